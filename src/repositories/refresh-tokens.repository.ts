import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, Repository } from 'typeorm';
import { RefreshToken } from '../database/entities/refresh-token.entity';

export type NewRefreshToken = Pick<RefreshToken, 'userId' | 'familyId' | 'tokenHash' | 'expiresAt'>;

/** refresh_tokens: one row per issued token; a login is the family rotated from one another. */
@Injectable()
export class RefreshTokensRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private tokens(manager: EntityManager = this.db.manager): Repository<RefreshToken> {
    return manager.getRepository(RefreshToken);
  }

  async insert(token: NewRefreshToken, manager: EntityManager = this.db.manager): Promise<void> {
    await this.tokens(manager).insert(token);
  }

  async findByHash(tokenHash: string): Promise<RefreshToken | undefined> {
    return (await this.tokens().findOneBy({ tokenHash })) ?? undefined;
  }

  /** The token row, locked until the transaction ends (a rotation). */
  async findByHashForUpdate(tokenHash: string, manager: EntityManager): Promise<RefreshToken | undefined> {
    const row = await this.tokens(manager).findOne({
      where: { tokenHash },
      lock: { mode: 'pessimistic_write' },
    });
    return row ?? undefined;
  }

  async markRotated(id: number, manager: EntityManager = this.db.manager): Promise<void> {
    await this.tokens(manager).update({ id }, { rotatedAt: new Date() });
  }

  /** Revokes every token of the login that is not revoked yet. */
  async revokeFamily(familyId: string, manager: EntityManager = this.db.manager): Promise<void> {
    await this.tokens(manager).update({ familyId, revokedAt: IsNull() }, { revokedAt: new Date() });
  }
}
