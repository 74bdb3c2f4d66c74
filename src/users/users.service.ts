import { Injectable } from '@nestjs/common';
import { AvatarUrls } from '../auth/avatar-urls.signer';
import { toUserDto, UserDto } from '../auth/dto/user.dto';
import { UserNotFound } from '../common/errors/domain.errors';
import { UsersRepository } from '../repositories/users.repository';
import { UserListDto } from './dto/user.dto';

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly avatars: AvatarUrls,
  ) {}

  async get(id: number): Promise<UserDto> {
    const user = await this.users.findById(id);
    if (!user) throw new UserNotFound();
    return toUserDto(user, this.avatars.avatarUrl(user.avatarId));
  }

  /** People to start a chat with: everyone but the caller, by username, optionally filtered. */
  async list(callerId: number, search: string | undefined, limit: number): Promise<UserListDto> {
    const now = Date.now();
    const users = await this.users.search(callerId, search, limit);
    return { items: users.map((user) => toUserDto(user, this.avatars.avatarUrl(user.avatarId, now))) };
  }
}
