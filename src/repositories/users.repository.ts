import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError, Repository } from 'typeorm';
import { EmailDigest, Locale, User } from '../database/entities/user.entity';
import { escapeLike } from './sql.predicates';

const UNIQUE_VIOLATION = '23505';

/** A user as the contract shows one (the password hash is never read unless asked for). */
export type UserRow = Pick<User, 'id' | 'username' | 'displayName' | 'avatarId'>;

/** The notification settings of a user, as the contract names them. */
export interface UserSettingsRow {
  email: string | null;
  email_digest: EmailDigest;
  locale: Locale;
}

export type NewUser = Pick<User, 'username' | 'displayName' | 'passwordHash'>;

const PROFILE_COLUMNS = `id, username, display_name AS "displayName", avatar_id AS "avatarId"`;

/** users: accounts, profiles and the user search. */
@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private users(manager: EntityManager = this.db.manager): Repository<User> {
    return manager.getRepository(User);
  }

  /** Inserts the user; undefined when the username is taken. */
  async create(user: NewUser): Promise<User | undefined> {
    try {
      return await this.users().save(this.users().create(user));
    } catch (error) {
      if (
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === UNIQUE_VIOLATION
      ) {
        return undefined;
      }
      throw error;
    }
  }

  async findById(id: number): Promise<User | undefined> {
    return (await this.users().findOneBy({ id })) ?? undefined;
  }

  /** The user with their password hash, for a login. */
  async findWithPassword(username: string): Promise<User | undefined> {
    const user = await this.users().findOne({
      where: { username },
      select: { id: true, username: true, displayName: true, avatarId: true, passwordHash: true },
    });
    return user ?? undefined;
  }

  /** Users other than `callerId` by username, those whose username or display name contains `search`. */
  search(callerId: number, search: string | undefined, limit: number): Promise<User[]> {
    const query = this.users()
      .createQueryBuilder('u')
      .where('u.id <> :callerId', { callerId })
      .orderBy('u.username', 'ASC')
      .limit(limit);
    if (search) {
      query.andWhere('(u.username ILIKE :pattern OR u.display_name ILIKE :pattern)', {
        pattern: `%${escapeLike(search)}%`,
      });
    }
    return query.getMany();
  }

  /**
   * The user's profile, its row locked until the transaction ends; undefined when no such user.
   * FOR NO KEY UPDATE (what the UPDATE of the profile takes anyway): it serialises profile changes
   * but lets the user's sends take their foreign-key share lock meanwhile, so a send claiming the
   * upload an avatar change is taking never waits on that change in a cycle.
   */
  async lockProfile(id: number, manager: EntityManager): Promise<UserRow | undefined> {
    const rows: UserRow[] = await manager.query(
      `SELECT ${PROFILE_COLUMNS} FROM users WHERE id = $1 FOR NO KEY UPDATE`,
      [id],
    );
    return rows[0];
  }

  /** Sets the display name and avatar; returns the profile as it now is. */
  async updateProfile(
    id: number,
    profile: Pick<User, 'displayName' | 'avatarId'>,
    manager: EntityManager,
  ): Promise<UserRow> {
    const [rows]: [UserRow[], number] = await manager.query(
      `UPDATE users SET display_name = $2, avatar_id = $3 WHERE id = $1 RETURNING ${PROFILE_COLUMNS}`,
      [id, profile.displayName, profile.avatarId],
    );
    return rows[0];
  }

  /** The user's notification settings, their row locked until the transaction ends (as lockProfile). */
  async lockSettings(id: number, manager: EntityManager): Promise<UserSettingsRow | undefined> {
    const rows: UserSettingsRow[] = await manager.query(
      'SELECT email, email_digest, locale FROM users WHERE id = $1 FOR NO KEY UPDATE',
      [id],
    );
    return rows[0];
  }

  async settings(id: number): Promise<UserSettingsRow | undefined> {
    const rows: UserSettingsRow[] = await this.db.query(
      'SELECT email, email_digest, locale FROM users WHERE id = $1',
      [id],
    );
    return rows[0];
  }

  async updateSettings(
    id: number,
    settings: UserSettingsRow,
    manager: EntityManager,
  ): Promise<UserSettingsRow> {
    const [rows]: [UserSettingsRow[], number] = await manager.query(
      `UPDATE users SET email = $2, email_digest = $3, locale = $4 WHERE id = $1
       RETURNING email, email_digest, locale`,
      [id, settings.email, settings.email_digest, settings.locale],
    );
    return rows[0];
  }

  /** Turns the user's e-mail digests off (an unsubscribe link); their locale, for the page that says so. */
  async turnDigestOff(id: number): Promise<Locale | undefined> {
    const [rows]: [{ locale: Locale }[], number] = await this.db.query(
      `UPDATE users SET email_digest = 'off' WHERE id = $1 RETURNING locale`,
      [id],
    );
    return rows[0]?.locale;
  }

  /** Those of `ids` that are users. */
  async existing(ids: readonly number[], manager: EntityManager = this.db.manager): Promise<number[]> {
    const rows: { id: number }[] = await manager.query('SELECT id FROM users WHERE id = ANY($1::int[])', [
      ids,
    ]);
    return rows.map((row) => row.id);
  }
}
