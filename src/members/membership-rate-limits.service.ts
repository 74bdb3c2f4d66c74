import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { RateLimited } from '../common/errors/domain.errors';
import { RateBudget } from '../common/rate-budget';
import { AppConfig } from '../config/app.config';

/**
 * The per-user budgets of putting people in chats without asking them: creating chats
 * (CHAT_CREATE_RATE_LIMIT) and adding people (MEMBER_ADD_RATE_LIMIT: member additions, and the
 * other members a chat is created with). A request is refused with 429 `rate_limited`
 * (`details.retry_after_ms`) when the budget cannot pay for it, before anything is written; only
 * what was done is paid for, after the commit, so a 409 `chat_exists` (how clients find the chat
 * they already have) or any other refusal costs nothing. Racing requests may each pass the check
 * and overdraw the budget by that many. Token buckets in this instance's memory, like the socket
 * budgets: with N instances a user gets up to N times them.
 */
@Injectable()
export class MembershipRateLimits implements OnModuleDestroy {
  private readonly chatCreate: RateBudget;
  private readonly memberAdd: RateBudget;
  private readonly sweeper = setInterval(() => this.sweep(), 60_000).unref();

  constructor(config: AppConfig) {
    this.chatCreate = new RateBudget(config.chatCreateRate);
    this.memberAdd = new RateBudget(config.memberAddRate);
  }

  /** Refuses, with 429, a chat with `others` other members that `userId` cannot afford now. */
  assertMayCreate(userId: number, others: number, now = Date.now()): void {
    const wait = Math.max(
      this.chatCreate.waitFor(userId, now),
      others > 0 ? this.memberAdd.waitFor(userId, now, others) : 0,
    );
    if (wait > 0) throw new RateLimited('Too many chats created or people added, slow down', wait);
  }

  /** Pays for a chat `userId` created with `others` other members. */
  created(userId: number, others: number, now = Date.now()): void {
    this.chatCreate.take(userId, now);
    if (others > 0) this.memberAdd.take(userId, now, others);
  }

  /** Refuses, with 429, a member addition that `userId` cannot afford now. */
  assertMayAdd(userId: number, now = Date.now()): void {
    const wait = this.memberAdd.waitFor(userId, now);
    if (wait > 0) throw new RateLimited('Too many people added to chats, slow down', wait);
  }

  /** Pays for a member `userId` added. */
  added(userId: number, now = Date.now()): void {
    this.memberAdd.take(userId, now);
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  private sweep(now = Date.now()): void {
    this.chatCreate.sweep(now);
    this.memberAdd.sweep(now);
  }
}
