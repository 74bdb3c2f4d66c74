import { InitialSchema1763700000000 } from './1763700000000-InitialSchema';
import { ChatIndexesWithoutStatistics1764700000000 } from './1764700000000-ChatIndexesWithoutStatistics';
import { ReceiptRanges1764800000000 } from './1764800000000-ReceiptRanges';
import { MessagesWriteCost1764900000000 } from './1764900000000-MessagesWriteCost';
import { SendBatchFunction1764950000000 } from './1764950000000-SendBatchFunction';
import { MessageSearchSegments1765000000000 } from './1765000000000-MessageSearchSegments';
import { Attachments1765100000000 } from './1765100000000-Attachments';
import { MessageAttachments1765200000000 } from './1765200000000-MessageAttachments';
import { SearchBlockLines1765250000000 } from './1765250000000-SearchBlockLines';
import { AvatarIndexes1765260000000 } from './1765260000000-AvatarIndexes';
import { SendBatchAttachments1765300000000 } from './1765300000000-SendBatchAttachments';
import { ConversationLinks1765400000000 } from './1765400000000-ConversationLinks';
import { ReactionsAndPins1765500000000 } from './1765500000000-ReactionsAndPins';
import { UserBlocks1765600000000 } from './1765600000000-UserBlocks';
import { Moderation1765620000000 } from './1765620000000-Moderation';
import { InvitesAndPublicChats1765640000000 } from './1765640000000-InvitesAndPublicChats';
import { SendTextBatch1765700000000 } from './1765700000000-SendTextBatch';
import { UserSettings1765800000000 } from './1765800000000-UserSettings';
import { PushNotifications1765810000000 } from './1765810000000-PushNotifications';
import { EmailDigests1765820000000 } from './1765820000000-EmailDigests';
import { PlatformIdentities1765900000000 } from './1765900000000-PlatformIdentities';
import { SendProbes1766000000000 } from './1766000000000-SendProbes';
import { SearchRowTops1766100000000 } from './1766100000000-SearchRowTops';
import { SendPathDomains1766200000000 } from './1766200000000-SendPathDomains';
import { StoredReactions1766300000000 } from './1766300000000-StoredReactions';
import { StoredAttachments1766400000000 } from './1766400000000-StoredAttachments';
import { LoneTextSend1766500000000 } from './1766500000000-LoneTextSend';
import { ReceiptsPastOthers1766600000000 } from './1766600000000-ReceiptsPastOthers';
import { SearchCoveredSeq1766700000000 } from './1766700000000-SearchCoveredSeq';

/** Every migration, oldest first. A new migration is added here as well as in its own file. */
export const MIGRATIONS = [
  InitialSchema1763700000000,
  ChatIndexesWithoutStatistics1764700000000,
  ReceiptRanges1764800000000,
  MessagesWriteCost1764900000000,
  SendBatchFunction1764950000000,
  MessageSearchSegments1765000000000,
  Attachments1765100000000,
  MessageAttachments1765200000000,
  SearchBlockLines1765250000000,
  AvatarIndexes1765260000000,
  SendBatchAttachments1765300000000,
  ConversationLinks1765400000000,
  ReactionsAndPins1765500000000,
  UserBlocks1765600000000,
  Moderation1765620000000,
  InvitesAndPublicChats1765640000000,
  SendTextBatch1765700000000,
  UserSettings1765800000000,
  PushNotifications1765810000000,
  EmailDigests1765820000000,
  PlatformIdentities1765900000000,
  SendProbes1766000000000,
  SearchRowTops1766100000000,
  SendPathDomains1766200000000,
  StoredReactions1766300000000,
  StoredAttachments1766400000000,
  LoneTextSend1766500000000,
  ReceiptsPastOthers1766600000000,
  SearchCoveredSeq1766700000000,
];
