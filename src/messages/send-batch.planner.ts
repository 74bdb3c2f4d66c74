import type { NewMessage, SentRow } from '../repositories/send-batch.statements';

/** One `send` waiting for its batch: the message it would insert. */
export type SendRequest = NewMessage;

/**
 * The longest cursor move the send statement writes receipts for, while it holds the chats'
 * locks; a longer one moves after the commit (ReadStateService.readUpTo).
 */
export const RECEIPTS_IN_BATCH_MAX = 500;

/** How one sender's cursor moved in one chat: receipts are due for (afterSeq, upToSeq]. */
export interface CursorMove {
  chatId: number;
  userId: number;
  afterSeq: number;
  upToSeq: number;
}

/**
 * The batch as the send statement takes it: requests whose (chat, sender, client_message_id)
 * repeats an earlier one of the batch are left out and answered with that earlier one's outcome.
 * Returns, for each request, the index of the request whose outcome it shares.
 */
export function groupBatch(requests: readonly SendRequest[]): {
  unique: SendRequest[];
  sharesWith: number[];
} {
  const unique: SendRequest[] = [];
  const first = new Map<string, number>();
  const sharesWith = requests.map((request) => {
    if (request.clientMessageId !== null) {
      const key = `${request.chatId}:${request.senderId}:${request.clientMessageId}`;
      const earlier = first.get(key);
      if (earlier !== undefined) return earlier;
      first.set(key, unique.length);
    }
    unique.push(request);
    return unique.length - 1;
  });
  return { unique, sharesWith };
}

/** Each sender's cursor move per chat, from the rows of one batch (ordered by chat, seq). */
export function cursorMoves(rows: readonly SentRow[]): CursorMove[] {
  const moves = new Map<string, CursorMove>();
  for (const row of rows) {
    const key = `${row.chat_id}:${row.sender_id}`;
    const move = moves.get(key);
    if (move) move.upToSeq = Math.max(move.upToSeq, row.seq);
    else {
      moves.set(key, {
        chatId: row.chat_id,
        userId: row.sender_id,
        afterSeq: row.previous_read_seq,
        upToSeq: row.seq,
      });
    }
  }
  return [...moves.values()].filter((move) => move.upToSeq > move.afterSeq);
}
