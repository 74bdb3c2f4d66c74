import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { UserNotFound } from '../common/errors/domain-error';
import { escapeLike } from '../common/sql';
import { toUserDto, UserDto, UserListDto } from './dto/user.dto';
import { User } from './user.entity';

@Injectable()
export class UsersService {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  async get(id: number): Promise<UserDto> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new UserNotFound();
    return toUserDto(user);
  }

  /** People to start a chat with: everyone but the caller, by username, optionally filtered. */
  async list(callerId: number, search: string | undefined, limit: number): Promise<UserListDto> {
    const query = this.users
      .createQueryBuilder('u')
      .where('u.id <> :callerId', { callerId })
      .orderBy('u.username', 'ASC')
      .limit(limit);
    if (search) {
      query.andWhere('(u.username ILIKE :pattern OR u.display_name ILIKE :pattern)', {
        pattern: `%${escapeLike(search)}%`,
      });
    }
    return { items: (await query.getMany()).map(toUserDto) };
  }
}
