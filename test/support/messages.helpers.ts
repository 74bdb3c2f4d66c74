import request from 'supertest';
import { DomainEvent, DomainEventBus } from '../../src/events/domain-events.bus';
import type { MessageDto } from '../../src/messages/dto/message.dto';
import type { TestApp } from './app.fixture';
import { createChat, makeAdmin, removeMember, Roles } from './chats.helpers';
import { registerUser, TestUser } from './users.helpers';

export const API = '/api/v1';

/** A Message as the API returns it. */
export type MessageBody = MessageDto;

/** A timestamp as the API writes it. */
export const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A 400 validation_failed body whose details name `field`. */
export function expectValidation(
  body: { status: number; code: string; details: unknown },
  field: string,
): void {
  expect(body).toEqual({
    status: 400,
    code: 'validation_failed',
    message: expect.any(String),
    details: expect.arrayContaining([expect.objectContaining({ field })]),
  });
}

type HistoryQuery = Record<string, string | number>;

/** A chat's history as `user` reads it. */
export function historyOf(t: TestApp) {
  const messagesOf = (user: TestUser, chatId: number, query: HistoryQuery = {}) =>
    t.http().get(`${API}/chats/${chatId}/messages`).query(query).set(user.auth);

  /** The seqs of a page of the history, and whether there is more. */
  const seqsOf = async (user: TestUser, chatId: number, query: HistoryQuery = {}) => {
    const res = await messagesOf(user, chatId, query).expect(200);
    return {
      seqs: (res.body.items as MessageBody[]).map((m) => m.seq),
      has_more: res.body.has_more as boolean,
    };
  };

  return { messagesOf, seqsOf };
}

/** A chat with the six callers of the authorization matrix. */
export async function chatWithRoles(t: TestApp): Promise<Roles> {
  const [owner, admin, member, removed, stranger] = await Promise.all(
    ['owner', 'admin', 'member', 'removed', 'stranger'].map((role) => registerUser(t, role)),
  );
  const chat = await createChat(t, owner, [admin, member, removed], { chat_type: 'vet' });
  await makeAdmin(t, chat.id, owner, admin);
  await removeMember(t, chat.id, owner, removed);
  return { chat, owner, admin, member, removed, stranger };
}

export function postMessage(
  t: TestApp,
  user: TestUser | undefined,
  chatId: number | string,
  body: object,
): request.Test {
  const req = t.http().post(`${API}/chats/${chatId}/messages`).send(body);
  return user ? req.set(user.auth) : req;
}

/** Sends a message and returns it (201). */
export async function send(
  t: TestApp,
  user: TestUser,
  chatId: number,
  content: string,
  clientMessageId?: string,
): Promise<MessageBody> {
  const body = clientMessageId === undefined ? { content } : { content, client_message_id: clientMessageId };
  const res = await postMessage(t, user, chatId, body).expect(201);
  return res.body as MessageBody;
}

/** Records the domain events the app publishes, for asserting what was (not) told. */
export function recordEvents(t: TestApp): { events: DomainEvent[]; stop: () => void } {
  const events: DomainEvent[] = [];
  const stop = t.app.get(DomainEventBus).subscribe((event) => {
    events.push(event);
  });
  return { events, stop };
}

export const BAD_IDS = ['abc', '0', '-1', '99999999999', '1.5'];

/** These suites register many users and send many requests from one address: lift the rate limits. */
export const MANY_REQUESTS = { RATE_LIMIT_MAX: '1000000', AUTH_RATE_LIMIT_MAX: '1000000' };
