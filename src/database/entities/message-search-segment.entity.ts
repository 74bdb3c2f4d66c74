import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The search index of messages (src/repositories/message-search.repository.ts): a block of
 * consecutive seqs of a chat (first_seq < last_seq) with the lower-cased contents of its live
 * messages, or an edited message (first_seq = last_seq) with its current content. A candidate
 * filter only: a search always filters the messages themselves. No foreign key to chats (its
 * key-share lock would wait on a sending batch's chat lock).
 */
@Entity({ name: 'message_search_segments' })
@Check('message_search_segments_seq_check', 'first_seq >= 1 AND first_seq <= last_seq')
// chat_id and top_id (btree_gin) and the trigrams of the content (gin_trgm_ops, the migration's:
// TypeORM cannot express an operator class) in one GIN index: the only index a search reads here,
// by chat and content (a chat's search) or by content and a lower bound on top_id (the search
// across chats, which so rechecks only the newest candidates).
@Index('message_search_segments_trgm_idx', ['chatId', 'topId', 'content'], { type: 'gin' })
// The chat's highest block (what the blocks cover, an index-only scan) and the builder's start;
// partial, so that no search can use it to read all the chat's rows instead of the trigram index.
@Index('message_search_segments_chat_blocks_idx', ['chatId', 'firstSeq', 'lastSeq'], {
  where: 'first_seq < last_seq',
})
// The edit rows of a block's seqs, read with the block by a search's window.
@Index('message_search_segments_chat_edits_idx', ['chatId', 'firstSeq'], { where: 'first_seq = last_seq' })
export class MessageSearchSegment {
  // The primary key leads with first_seq for the same reason (a row is unique by its range in
  // its chat; ON CONFLICT needs the three columns, in any order).
  @PrimaryColumn({ name: 'first_seq', type: 'integer' })
  firstSeq!: number;

  @PrimaryColumn({ name: 'last_seq', type: 'integer' })
  lastSeq!: number;

  @PrimaryColumn({ name: 'chat_id', type: 'integer' })
  chatId!: number;

  @Column({ type: 'text' })
  content!: string;

  /** The id of the row's last message (a block's last seq, an edit row's message): its highest. */
  @Column({ name: 'top_id', type: 'integer' })
  topId!: number;
}
