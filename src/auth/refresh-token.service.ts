import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app.config';
import { Banned, DomainError } from '../common/errors/domain.errors';
import { RefreshTokensRepository } from '../repositories/refresh-tokens.repository';
import { UserBansRepository } from '../repositories/user-bans.repository';

const hash = (token: string): string => createHash('sha256').update(token).digest('hex');

function invalid(): DomainError {
  return new DomainError('invalid_refresh_token', 'The refresh token is not valid');
}

/**
 * Opaque, single-use refresh tokens, stored only as SHA-256 hashes. Each refresh rotates the
 * token; presenting a rotated token again means it was stolen, so the whole login is revoked.
 */
@Injectable()
export class RefreshTokenService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tokens: RefreshTokensRepository,
    private readonly config: AppConfig,
    private readonly bans: UserBansRepository,
  ) {}

  async issue(userId: number, familyId: string = randomUUID(), manager?: EntityManager): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.tokens.insert(
      {
        userId,
        familyId,
        tokenHash: hash(token),
        expiresAt: new Date(Date.now() + this.config.refreshTokenTtlSeconds * 1000),
      },
      manager,
    );
    return token;
  }

  /**
   * Spends a token and returns its user and a fresh token of the same login. The successor is
   * inserted in the transaction that marks the token rotated: if either fails, neither happened,
   * and the old token still refreshes (rather than counting as stolen next time). A banned
   * user's token is refused before it is spent, so that it refreshes again once the ban is lifted.
   */
  async rotate(token: string): Promise<{ userId: number; token: string }> {
    const outcome = await this.db.transaction(async (manager) => {
      const row = await this.tokens.findByHashForUpdate(hash(token), manager);
      if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now()) return { kind: 'invalid' as const };
      if (row.rotatedAt) {
        await this.tokens.revokeFamily(row.familyId, manager);
        return { kind: 'reused' as const };
      }
      const ban = await this.bans.activeOf(row.userId, manager);
      if (ban) return { kind: 'banned' as const, until: ban.until };
      await this.tokens.markRotated(row.id, manager);
      const successor = await this.issue(row.userId, row.familyId, manager);
      return { kind: 'ok' as const, userId: row.userId, token: successor };
    });
    if (outcome.kind === 'banned') throw new Banned(outcome.until);
    if (outcome.kind !== 'ok') throw invalid();
    return { userId: outcome.userId, token: outcome.token };
  }

  /** Ends the login the token belongs to; unknown tokens are ignored so logout never fails. */
  async revokeLogin(token: string): Promise<void> {
    const row = await this.tokens.findByHash(hash(token));
    if (!row) return;
    await this.tokens.revokeFamily(row.familyId);
  }
}
