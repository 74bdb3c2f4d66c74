import { Module } from '@nestjs/common';
import { AttachmentsModule } from '../attachments/attachments.module';
import { MembersModule } from '../members/members.module';
import { MessageSearchController } from './message-search.controller';
import { MessageSearchService } from './message-search.service';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';
import { PinsController } from './pins.controller';
import { PinsService } from './pins.service';
import { ReactionsController } from './reactions.controller';
import { ReactionsService } from './reactions.service';
import { ReadStateController } from './read-state.controller';
import { ReadStateService } from './read-state.service';
import { MessageSearchIndexer } from './search-indexer.service';
import { MessageSendBatcher } from './send-batcher.service';

@Module({
  imports: [MembersModule, AttachmentsModule],
  controllers: [
    MessagesController,
    ReadStateController,
    ReactionsController,
    PinsController,
    MessageSearchController,
  ],
  providers: [
    MessagesService,
    ReadStateService,
    MessageSendBatcher,
    MessageSearchIndexer,
    ReactionsService,
    PinsService,
    MessageSearchService,
  ],
  exports: [MessagesService, ReadStateService, ReactionsService, PinsService],
})
export class MessagesModule {}
