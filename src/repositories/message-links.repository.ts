import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { activeMember, existsByKey, liveChat, liveMessage } from './sql.predicates';

/** A reply's preview of its original: content NULL once the original is deleted. */
export interface ReplyPreviewRow {
  message_id: number;
  seq: number;
  sender_id: number;
  sender_name: string;
  content: string | null;
  deleted: boolean;
}

/** Where a forwarded message comes from: never the origin chat's title or members. */
export interface ForwardOriginRow {
  message_id: number;
  chat_id: number;
  sender_id: number;
  sender_name: string;
  created_at: Date | string;
}

/** A place, stored as given (messages.location, jsonb). */
export interface LocationValue {
  latitude: number;
  longitude: number;
  accuracy_m: number | null;
  label: string | null;
}

/**
 * The preview of the message `m` replies to, read now: it follows the original's edits, and its
 * content is NULL (shown "") once the original is deleted. A row of named columns (one JSON
 * object); NULL without a reading of messages when m answers nothing.
 */
export const replyPreviewSql = (m: string): string =>
  `CASE WHEN ${m}.reply_to_id IS NOT NULL THEN (
     SELECT row_to_json(rp) FROM (
       SELECT r.id AS message_id, r.seq, r.sender_id, r.sender_name,
              CASE WHEN ${liveMessage('r')} THEN left(r.content, ${REPLY_PREVIEW_LENGTH}) END AS content,
              NOT ${liveMessage('r')} AS deleted
         FROM messages r WHERE r.id = ${m}.reply_to_id) rp) END`;

/** The origin of a forwarded message `m`: only its own columns, nothing of its chat but the id. */
export const forwardOriginSql = (m: string): string =>
  `CASE WHEN ${m}.forwarded_from_id IS NOT NULL THEN (
     SELECT row_to_json(fo) FROM (
       SELECT f.id AS message_id, f.chat_id, f.sender_id, f.sender_name, f.created_at
         FROM messages f WHERE f.id = ${m}.forwarded_from_id) fo) END`;

/** How many characters of the original a reply's preview shows. */
export const REPLY_PREVIEW_LENGTH = 200;

/**
 * In the send statement (alias `numbered` n): a forward's attachments as new rows of the
 * forwarding message, in their order, naming the same stored bytes (storage_key, thumbnail_key:
 * the sweep deletes those only once no row names them), the forwarder their uploader. Their ids
 * are taken here, from the sequence of attachments.id, in the order of the messages and positions,
 * so that the message row, inserted before them, shows them (messages.attachments). A message that
 * forwards nothing with attachments reads none.
 */
export const FORWARD_COPIES_SQL = `SELECT nextval(pg_get_serial_sequence('attachments', 'id'))::int AS id, s.*
      FROM (SELECT n.ord, n.sender_id AS uploader_id, s.kind, s.mime_type, s.size_bytes, s.name, s.width,
                   s.height, s.duration_ms, s.waveform, s.storage_key, s.thumbnail_key, s.thumbnail_bytes,
                   s.placeholder, s.position, now() AS created_at
              FROM numbered n JOIN attachments s ON s.message_id = n.forward_id AND s.deleted_at IS NULL
             WHERE n.forwarded_attachments IS NOT NULL
             ORDER BY n.ord, s.position) s`;

/**
 * Then the copies themselves (aliases `copies`, FORWARD_COPIES_SQL's rows, `numbered` n and `m`,
 * the inserted messages), with the ids taken.
 */
export const COPY_FORWARDED_ATTACHMENTS_SQL = `INSERT INTO attachments AS a (
      id, uploader_id, kind, mime_type, size_bytes, name, width, height, duration_ms, waveform,
      storage_key, thumbnail_key, thumbnail_bytes, placeholder, created_at, message_id, position, attached_at)
    OVERRIDING SYSTEM VALUE
    SELECT c.id, c.uploader_id, c.kind, c.mime_type, c.size_bytes, c.name, c.width, c.height, c.duration_ms,
           c.waveform, c.storage_key, c.thumbnail_key, c.thumbnail_bytes, c.placeholder, c.created_at, m.id,
           c.position, now()
      FROM copies c JOIN numbered n ON n.ord = c.ord JOIN m ON m.chat_id = n.chat_id AND m.seq = n.seq
     ORDER BY c.id`;

/**
 * Unread messages of chat `chat` that mention member `member` (aliases in the surrounding
 * query): by message_mentions' key (user_id, chat_id, seq), an index-only count of the rows past
 * the cursor; a deleted message's rows are deleted with it.
 */
export function unreadMentionsSql(chat: string, member: string): string {
  return `(SELECT count(*)::int FROM message_mentions mm
            WHERE mm.user_id = ${member}.user_id AND mm.chat_id = ${chat}.id AND mm.seq > ${member}.last_read_seq)`;
}

/** What a refused send named, to tell which of its references was wrong. */
export interface SendReferences {
  replyToId: number | null;
  forwardMessageId: number | null;
  mentions: number[] | null;
}

/** Which reference of a refused send is wrong; undefined when all are right. */
export type BadReference = 'reply_to_id' | 'forward_message_id' | 'mentions';

/** The rules of a send's references, shared by the send statement and BAD_REFERENCES_SQL. */

/** Message `id` (SQL) is a live message of chat `chat`: one a reply may answer. */
export const replyTargetSql = (id: string, chat: string): string =>
  existsByKey('messages r', `r.id = ${id} AND r.chat_id = ${chat} AND ${liveMessage('r')}`);

/**
 * FROM and WHERE of message `s` when it is `id`, live, in a live chat where `userId` is an active
 * member: one the user may forward (more conditions may follow with AND).
 */
export const forwardableSql = (id: string, userId: string): string =>
  `messages s
     JOIN chats sc ON sc.id = s.chat_id AND ${liveChat('sc')}
     JOIN chat_members sm ON sm.chat_id = s.chat_id AND sm.user_id = ${userId} AND ${activeMember('sm')}
    WHERE s.id = ${id} AND ${liveMessage('s')}`;

/** Some id of the int[] `ids` is not an active member of chat `chat`: a mention to refuse. */
export const strangerMentionedSql = (ids: string, chat: string): string =>
  `EXISTS (SELECT 1 FROM unnest(${ids}) x(user_id)
            WHERE NOT ${existsByKey('chat_members mc', `mc.chat_id = ${chat} AND mc.user_id = x.user_id AND ${activeMember('mc')}`)})`;

/**
 * Run after the send statement refused a request, to say why: the same tests it made, in one
 * statement.
 */
const BAD_REFERENCES_SQL = `
  SELECT ($3::int IS NOT NULL AND NOT ${replyTargetSql('$3', '$1')}) AS reply_to_id,
         ($4::int IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${forwardableSql('$4', '$2')})) AS forward_message_id,
         ($5::int[] IS NOT NULL AND ${strangerMentionedSql('$5::int[]', '$1')}) AS mentions`;

/** The references between messages: replies, forwards and mentions. */
@Injectable()
export class MessageLinksRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The first wrong reference of a send of `senderId` in `chatId`, if any. */
  async badReference(
    chatId: number,
    senderId: number,
    refs: SendReferences,
  ): Promise<BadReference | undefined> {
    const [row]: Record<BadReference, boolean>[] = await this.db.query(BAD_REFERENCES_SQL, [
      chatId,
      senderId,
      refs.replyToId,
      refs.forwardMessageId,
      refs.mentions,
    ]);
    return (['forward_message_id', 'reply_to_id', 'mentions'] as const).find((field) => row[field]);
  }
}
