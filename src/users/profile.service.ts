import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AvatarAttachments } from '../attachments/avatar-attachments.service';
import { AvatarUrls } from '../auth/avatar-urls.signer';
import { toUserDto, UserDto } from '../auth/dto/user.dto';
import { UserNotFound, ValidationFailed } from '../common/errors/domain.errors';
import { DomainEvent, DomainEventBus } from '../events/domain-events.bus';
import { toMemberDto } from '../members/dto/member.dto';
import { MembersRepository } from '../repositories/members.repository';
import { UsersRepository } from '../repositories/users.repository';
import type { UpdateProfileDto } from './dto/update-profile.dto';

/**
 * The caller's own profile: display name and avatar. A change reaches every live chat the user is
 * an active member of as `member:updated` (the Member as that chat shows it), not as
 * `chat:updated`: the other members update that one entry of their member lists. Messages keep
 * their `sender_name` as it was at send time.
 */
@Injectable()
export class ProfileService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersRepository,
    private readonly members: MembersRepository,
    private readonly avatars: AvatarAttachments,
    private readonly avatarUrls: AvatarUrls,
    private readonly events: DomainEventBus,
  ) {}

  /** One transaction on the locked user row: the avatar taken, the old one deleted, the profile set. */
  async update(userId: number, input: UpdateProfileDto): Promise<UserDto> {
    if (input.display_name === undefined && input.avatar_id === undefined) {
      throw new ValidationFailed(
        ['display_name', 'avatar_id'].map((field) => ({
          field,
          message: 'give display_name, avatar_id or both',
        })),
      );
    }
    const { user, events } = await this.db.transaction(async (manager) => {
      const current = await this.users.lockProfile(userId, manager);
      if (!current) throw new UserNotFound();
      const avatarId =
        input.avatar_id === undefined
          ? current.avatarId
          : await this.avatars.replace(userId, current.avatarId, input.avatar_id, manager);
      const displayName = input.display_name ?? current.displayName;
      if (avatarId === current.avatarId && displayName === current.displayName) {
        return { user: current, events: [] };
      }
      const user = await this.users.updateProfile(userId, { displayName, avatarId }, manager);
      const now = Date.now();
      const events: DomainEvent[] = (await this.members.memberships(userId, manager)).map((row) => ({
        type: 'member.updated',
        chatId: row.chat_id,
        member: toMemberDto(row, this.avatarUrls.avatarUrl(row.avatar_id, now)),
      }));
      return { user, events };
    });
    await this.events.publish(...events);
    return toUserDto(user, this.avatarUrls.avatarUrl(user.avatarId));
  }
}
