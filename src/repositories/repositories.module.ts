import { Global, Module } from '@nestjs/common';
import { AttachmentsRepository } from './attachments.repository';
import { BlocksRepository } from './blocks.repository';
import { ChatsRepository } from './chats.repository';
import { CrossChatSearchRepository } from './cross-chat-search.repository';
import { InvitesRepository } from './invites.repository';
import { EmailDigestsRepository } from './email-digests.repository';
import { MembersRepository } from './members.repository';
import { MessageLinksRepository } from './message-links.repository';
import { MessageSearchRepository } from './message-search.repository';
import { MessagesRepository } from './messages.repository';
import { ModerationAuditRepository } from './moderation-audit.repository';
import { PinsRepository } from './pins.repository';
import { PushRepository } from './push.repository';
import { ReactionsRepository } from './reactions.repository';
import { ReadStateRepository } from './read-state.repository';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { ReportsRepository } from './reports.repository';
import { UserBansRepository } from './user-bans.repository';
import { UserIdentitiesRepository } from './user-identities.repository';
import { UsersRepository } from './users.repository';

const REPOSITORIES = [
  AttachmentsRepository,
  BlocksRepository,
  ChatsRepository,
  CrossChatSearchRepository,
  InvitesRepository,
  EmailDigestsRepository,
  MembersRepository,
  MessageLinksRepository,
  MessageSearchRepository,
  MessagesRepository,
  ModerationAuditRepository,
  PinsRepository,
  PushRepository,
  ReactionsRepository,
  ReadStateRepository,
  RefreshTokensRepository,
  ReportsRepository,
  UserBansRepository,
  UserIdentitiesRepository,
  UsersRepository,
];

/** Every statement on the domain tables, for any module's services. */
@Global()
@Module({ providers: REPOSITORIES, exports: REPOSITORIES })
export class RepositoriesModule {}
