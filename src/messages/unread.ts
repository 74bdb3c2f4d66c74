/**
 * Unread count of one membership, in O(log n): the messages past the reader's cursor
 * (chats.last_seq - last_read_seq) less the deleted ones among them.
 *
 * Own messages never count and need no subtraction: sending moves the sender's cursor to the
 * new message (the cursor only moves forward), so a member's own messages are always at or
 * below their cursor.
 *
 * `chat` and `member` are the aliases of chats and chat_members in the surrounding query.
 */
export function unreadCountSql(chat: string, member: string): string {
  return `GREATEST(${chat}.last_seq - ${member}.last_read_seq - (
      SELECT count(*)::int FROM messages d
       WHERE d.chat_id = ${chat}.id AND d.seq > ${member}.last_read_seq AND d.deleted_at IS NOT NULL
    ), 0)`;
}
