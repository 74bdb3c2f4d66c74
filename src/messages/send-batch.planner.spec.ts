import type { SentRow } from '../repositories/send-batch.statements';
import { cursorMoves, groupBatch, SendRequest } from './send-batch.planner';

const request = (chatId: number, senderId: number, clientMessageId: string | null = null): SendRequest => ({
  chatId,
  senderId,
  content: 'Кошка у подъезда',
  clientMessageId,
});

const row = (chatId: number, senderId: number, seq: number, previousReadSeq: number): SentRow => ({
  id: chatId * 1000 + seq,
  chat_id: chatId,
  seq,
  sender_id: senderId,
  sender_name: `user ${senderId}`,
  content: 'Кошка у подъезда',
  client_message_id: null,
  created_at: '2026-11-21T10:00:00.000Z',
  edited_at: null,
  attachments: null,
  reply_to: null,
  forwarded_from: null,
  location: null,
  mentions: null,
  ord: seq,
  previous_read_seq: previousReadSeq,
});

describe('groupBatch', () => {
  it('keeps every request without a client_message_id, in order', () => {
    const requests = [request(1, 7), request(1, 7), request(2, 8)];
    expect(groupBatch(requests)).toEqual({ unique: requests, sharesWith: [0, 1, 2] });
  });

  it('answers a repeated (chat, sender, client_message_id) with the earlier request', () => {
    const requests = [request(1, 7, 'a'), request(1, 8, 'a'), request(2, 7, 'a'), request(1, 7, 'a')];
    const { unique, sharesWith } = groupBatch(requests);
    expect(unique).toEqual(requests.slice(0, 3));
    expect(sharesWith).toEqual([0, 1, 2, 0]);
  });
});

describe('cursorMoves', () => {
  it('moves each sender once per chat, from its cursor before the batch to its newest message', () => {
    const rows = [row(1, 7, 11, 10), row(1, 8, 12, 9), row(1, 7, 13, 10), row(2, 7, 5, 4)];
    expect(cursorMoves(rows)).toEqual([
      { chatId: 1, userId: 7, afterSeq: 10, upToSeq: 13 },
      { chatId: 1, userId: 8, afterSeq: 9, upToSeq: 12 },
      { chatId: 2, userId: 7, afterSeq: 4, upToSeq: 5 },
    ]);
  });

  it('is empty for an empty batch', () => {
    expect(cursorMoves([])).toEqual([]);
  });
});
