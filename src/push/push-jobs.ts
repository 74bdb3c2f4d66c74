import { createHash } from 'node:crypto';

/** One fan-out per chat at a time (pg-boss `stately` policy, singleton key = chat id). */
export const FANOUT_QUEUE = 'push-fanout';
/** One job per (subscription, message): a Web Push request, retried with backoff. */
export const DELIVER_QUEUE = 'push-deliver';

export interface FanoutJob {
  chatId: number;
}

/** The payload a push carries (the contract's), decrypted by the browser's service worker. */
export interface PushPayload {
  chat_id: number;
  message_id: number;
  seq: number;
  chat_title: string;
  sender_name: string;
  body: string;
}

export interface DeliverJob {
  userId: number;
  subscriptionId: number;
  payload: PushPayload;
}

/**
 * A job id derived from `key` (a UUID, as pg-boss wants): sending the same delivery twice (a
 * fan-out retried after it queued some) inserts it once, as pg-boss skips an id it already has.
 */
export function jobIdOf(key: string): string {
  const hash = createHash('sha256').update(`rescue-chat push ${key}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
