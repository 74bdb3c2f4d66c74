import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index';
import { Attachment } from './entities/attachment.entity';
import { RefreshToken } from './entities/refresh-token.entity';
import { Chat } from './entities/chat.entity';
import { ChatInvite } from './entities/chat-invite.entity';
import { EmailDigestState } from './entities/email-digest.entity';
import { ChatMember } from './entities/chat-member.entity';
import { ChatPushCursor } from './entities/chat-push-cursor.entity';
import { MessageMention } from './entities/message-mention.entity';
import { MessagePin } from './entities/message-pin.entity';
import { MessageReaction } from './entities/message-reaction.entity';
import { MessageReadRange } from './entities/message-read-range.entity';
import { MessageSearchSegment } from './entities/message-search-segment.entity';
import { Message } from './entities/message.entity';
import { ModerationAudit } from './entities/moderation-audit.entity';
import { Report } from './entities/report.entity';
import { UserBan } from './entities/user-ban.entity';
import { PushSubscription } from './entities/push-subscription.entity';
import { UserBlock } from './entities/user-block.entity';
import { User } from './entities/user.entity';
import { UserIdentity } from './entities/user-identity.entity';
import { DroppingClient } from './pg-client.driver';
import { pgDriver } from './pg-pool.driver';

export const ENTITIES = [
  User,
  RefreshToken,
  Chat,
  ChatMember,
  Message,
  MessageReadRange,
  MessageSearchSegment,
  Attachment,
  MessageMention,
  MessageReaction,
  MessagePin,
  UserBlock,
  Report,
  UserBan,
  ModerationAudit,
  ChatInvite,
  EmailDigestState,
  PushSubscription,
  ChatPushCursor,
  UserIdentity,
];

/** Bounds on every wait for PostgreSQL (DATABASE_CONNECT_TIMEOUT_MS, DATABASE_QUERY_TIMEOUT_MS). */
export interface DatabaseTimeouts {
  connectMs: number;
  queryMs: number;
}

/** The client gives up this long after PostgreSQL should have cancelled the statement itself. */
const CLIENT_TIMEOUT_GRACE_MS = 250;

/**
 * The one TypeORM options object: the app's TypeOrmModule and ormconfig.ts both build on it.
 * Without timeouts (migrations, the CLI) nothing is bounded: a migration may take its time.
 */
export function dataSourceOptions(
  url: string,
  poolSize = 10,
  timeouts?: DatabaseTimeouts,
): DataSourceOptions {
  return {
    type: 'postgres',
    driver: pgDriver(),
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    extra: {
      max: poolSize,
      application_name: 'rescue-chat',
      // Always: it also runs prepared() texts as named statements (the drop needs the timeouts).
      Client: DroppingClient,
      ...(timeouts && boundedWaits(timeouts)),
    },
  };
}

/**
 * node-postgres pool options. Connecting, and waiting for a free connection, end after
 * connectMs; PostgreSQL cancels a statement after queryMs (statement_timeout) and ends a session
 * left idle inside a transaction (a client gone or cut off while holding chat locks) after twice
 * that; the client gives up on a server that does not answer at all (frozen, half-open) shortly
 * after and drops that connection (DroppingClient). TCP keepalive finds dead peers of idle
 * connections.
 */
function boundedWaits({ connectMs, queryMs }: DatabaseTimeouts): Record<string, unknown> {
  return {
    connectionTimeoutMillis: connectMs,
    statement_timeout: queryMs,
    idle_in_transaction_session_timeout: 2 * queryMs,
    // DroppingClient's own read timeout, not node-postgres' query_timeout (see DroppingClient).
    readTimeoutMillis: queryMs + CLIENT_TIMEOUT_GRACE_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}
