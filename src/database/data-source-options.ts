import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { RefreshToken } from '../auth/refresh-token.entity';
import { Chat } from '../chats/chat.entity';
import { ChatMember } from '../members/chat-member.entity';
import { MessageRead } from '../messages/message-read.entity';
import { Message } from '../messages/message.entity';
import { User } from '../users/user.entity';

export const ENTITIES = [User, RefreshToken, Chat, ChatMember, Message, MessageRead];

/** The one TypeORM options object: the app's TypeOrmModule and ormconfig.ts both build on it. */
export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    extra: { max: poolSize, application_name: 'rescue-chat' },
  };
}
