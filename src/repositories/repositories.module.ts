import { Global, Module } from '@nestjs/common';
import { AttachmentsRepository } from './attachments.repository';
import { ChatsRepository } from './chats.repository';
import { CrossChatSearchRepository } from './cross-chat-search.repository';
import { MembersRepository } from './members.repository';
import { MessageLinksRepository } from './message-links.repository';
import { MessageSearchRepository } from './message-search.repository';
import { MessagesRepository } from './messages.repository';
import { PinsRepository } from './pins.repository';
import { PushRepository } from './push.repository';
import { ReactionsRepository } from './reactions.repository';
import { ReadStateRepository } from './read-state.repository';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { UsersRepository } from './users.repository';

const REPOSITORIES = [
  AttachmentsRepository,
  ChatsRepository,
  CrossChatSearchRepository,
  MembersRepository,
  MessageLinksRepository,
  MessageSearchRepository,
  MessagesRepository,
  PinsRepository,
  PushRepository,
  ReactionsRepository,
  ReadStateRepository,
  RefreshTokensRepository,
  UsersRepository,
];

/** Every statement on the domain tables, for any module's services. */
@Global()
@Module({ providers: REPOSITORIES, exports: REPOSITORIES })
export class RepositoriesModule {}
