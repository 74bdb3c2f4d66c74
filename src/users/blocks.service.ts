import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AvatarUrls } from '../auth/avatar-urls.signer';
import { toUserDto } from '../auth/dto/user.dto';
import { DomainError, UserNotFound, ValidationFailed } from '../common/errors/domain.errors';
import { DomainEvent, DomainEventBus } from '../events/domain-events.bus';
import { BlocksRepository, MAX_BLOCKS_PER_USER } from '../repositories/blocks.repository';
import { UsersRepository } from '../repositories/users.repository';
import { UserListDto } from './dto/user.dto';

/**
 * Blocks: a user wants no personal contact with another. The rules they feed (no chat created
 * with, no adding, no sending in a two-person chat, in both directions) are checked by the
 * statements that do those things (BlocksRepository's predicates). Here: the list, and blocking
 * and unblocking, each under the lock of the pair; when the pair's block state changes, their
 * two-person chats' rooms stop (or resume) reaching both of them.
 */
@Injectable()
export class BlocksService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly blocks: BlocksRepository,
    private readonly users: UsersRepository,
    private readonly events: DomainEventBus,
    private readonly avatars: AvatarUrls,
  ) {}

  async list(userId: number): Promise<UserListDto> {
    const now = Date.now();
    const users = await this.blocks.list(userId);
    return { items: users.map((user) => toUserDto(user, this.avatars.avatarUrl(user.avatarId, now))) };
  }

  /** Idempotent: blocking twice is one block. */
  async block(userId: number, blockedId: number): Promise<void> {
    if (blockedId === userId) throw ValidationFailed.field('user_id', 'you cannot block yourself');
    const events = await this.db.transaction(async (manager) => {
      if ((await this.users.existing([blockedId], manager)).length === 0) throw new UserNotFound();
      await this.blocks.lockPairs([[userId, blockedId]], manager);
      const before = await this.blocks.between(userId, blockedId, manager);
      const outcome = await this.blocks.add(userId, blockedId, manager);
      if (outcome === 'limit_exceeded') {
        throw new DomainError('limit_exceeded', `A user may block at most ${MAX_BLOCKS_PER_USER} people`, {
          limit: MAX_BLOCKS_PER_USER,
        });
      }
      return before ? [] : await this.pairChatEvents(userId, blockedId, true, manager);
    });
    await this.events.publish(...events);
  }

  /** Idempotent: unblocking someone not blocked changes nothing. */
  async unblock(userId: number, blockedId: number): Promise<void> {
    const events = await this.db.transaction(async (manager) => {
      await this.blocks.lockPairs([[userId, blockedId]], manager);
      if (!(await this.blocks.remove(userId, blockedId, manager))) return [];
      // The other may still block this user: then nothing changes for their chats.
      if (await this.blocks.between(userId, blockedId, manager)) return [];
      return this.pairChatEvents(userId, blockedId, false, manager);
    });
    await this.events.publish(...events);
  }

  private async pairChatEvents(
    a: number,
    b: number,
    blocked: boolean,
    manager: EntityManager,
  ): Promise<DomainEvent[]> {
    const chatIds = await this.blocks.pairChats(a, b, manager);
    return chatIds.map((chatId) => ({ type: 'chat.blocked', chatId, userIds: [a, b], blocked }));
  }
}
