import type { SearchHitDto } from '../src/messages/dto/message-search.dto';
import { encodeSearchCursor } from '../src/messages/message-search.service';
import { useApp } from './support/app.fixture';
import { ChatBody, createChat, removeMember } from './support/chats.helpers';
import { expectErrorShape } from './support/errors.helpers';
import { API, expectValidation, MANY_REQUESTS, MessageBody, send } from './support/messages.helpers';
import { random, referenceCrossChatPage } from './support/search-reference.helpers';
import { registerUser, TestUser } from './support/users.helpers';

interface SearchPage {
  items: SearchHitDto[];
  next_cursor: string | null;
}

describe('GET /messages/search: search across chats (e2e)', () => {
  const t = useApp(MANY_REQUESTS);
  let viewer: TestUser;
  let a: TestUser;
  let b: TestUser;
  let keeper: ChatBody;
  let vet: ChatBody;
  const sent: Record<string, MessageBody> = {};

  const search = (user: TestUser | undefined, query: Record<string, string | number>) => {
    const req = t.http().get(`${API}/messages/search`).query(query);
    return user ? req.set(user.auth) : req;
  };
  const found = async (user: TestUser, query: Record<string, string | number>): Promise<SearchPage> =>
    (await search(user, query).expect(200)).body as SearchPage;
  const ids = (page: SearchPage): number[] => page.items.map((item) => item.message.id);

  beforeAll(async () => {
    [viewer, a, b] = await Promise.all(['viewer', 'a', 'b'].map((name) => registerUser(t, name)));
    keeper = await createChat(t, viewer, [a], { chat_type: 'keeper', title: 'Подвал на Лесной' });
    vet = await createChat(t, a, [viewer, b], { chat_type: 'vet', title: 'Ветклиника' });
    const left = await createChat(t, a, [viewer, b], { chat_type: 'keeper' });
    const removedFrom = await createChat(t, a, [viewer, b], { chat_type: 'seeker' });
    const deleted = await createChat(t, viewer, [b, a], { chat_type: 'other' });
    const foreign = await createChat(t, a, [b], { chat_type: 'vet' });
    // Sent one after another: ids grow in this order across the chats.
    sent.k1 = await send(t, viewer, keeper.id, 'Рыжий КОТ у подъезда');
    sent.v1 = await send(t, a, vet.id, 'кот в клинике');
    sent.l1 = await send(t, a, left.id, 'кот ушёл');
    sent.r1 = await send(t, a, removedFrom.id, 'кот пропал');
    sent.d1 = await send(t, viewer, deleted.id, 'кот в удалённом чате');
    sent.f1 = await send(t, a, foreign.id, 'кот чужой');
    sent.k2 = await send(t, a, keeper.id, 'котёнок нашёлся');
    sent.gone = await send(t, a, keeper.id, 'кот, удалённое сообщение');
    sent.v2 = await send(t, b, vet.id, '100% кот_ы');
    // The viewer's reaction: search shows it as history does, `me` for the reader.
    await t
      .http()
      .put(`${API}/chats/${vet.id}/messages/${sent.v1.id}/reactions/${encodeURIComponent('👍')}`)
      .set(viewer.auth)
      .expect(200);
    await t.http().delete(`${API}/chats/${keeper.id}/messages/${sent.gone.id}`).set(a.auth).expect(204);
    await t.http().delete(`${API}/chats/${left.id}/members/${viewer.id}`).set(viewer.auth).expect(204);
    await removeMember(t, removedFrom.id, a, viewer);
    await t.http().delete(`${API}/chats/${deleted.id}`).set(viewer.auth).expect(204);
  });

  it("finds only live messages of the caller's live chats, newest first across chats", async () => {
    const page = await found(viewer, { query: 'кот' });
    expect(ids(page)).toEqual([sent.v2.id, sent.k2.id, sent.v1.id, sent.k1.id]);
    expect(page.next_cursor).toBeNull();
    // Another member sees their own set: also the chat the viewer left, the one the viewer was
    // removed from and one the viewer was never in; never the deleted chat.
    expect(ids(await found(a, { query: 'кот' }))).toEqual([
      sent.v2.id,
      sent.k2.id,
      sent.f1.id,
      sent.r1.id,
      sent.l1.id,
      sent.v1.id,
      sent.k1.id,
    ]);
  });

  it('shows each message as history does, with its chat as the caller sees it', async () => {
    const page = await found(viewer, { query: 'кот' });
    for (const chat of [keeper, vet]) {
      const history = await t.http().get(`${API}/chats/${chat.id}/messages`).set(viewer.auth).expect(200);
      for (const item of page.items.filter((hit) => hit.chat.id === chat.id)) {
        const shown = (history.body.items as MessageBody[]).find((m) => m.id === item.message.id);
        expect(item.message).toEqual(shown);
        expect(item.chat).toEqual({ id: chat.id, title: chat.title, chat_type: chat.chat_type });
      }
    }
    expect(page.items[0].chat).toEqual({ id: vet.id, title: 'Ветклиника', chat_type: 'vet' });
    const reacted = page.items.find((item) => item.message.id === sent.v1.id);
    expect(reacted?.message).toMatchObject({ reactions: [{ emoji: '👍', count: 1, me: true }] });
  });

  it('filters by chat type', async () => {
    expect(ids(await found(viewer, { query: 'кот', chat_type: 'vet' }))).toEqual([sent.v2.id, sent.v1.id]);
    expect(ids(await found(viewer, { query: 'кот', chat_type: 'keeper' }))).toEqual([sent.k2.id, sent.k1.id]);
    expect(ids(await found(viewer, { query: 'кот', chat_type: 'response' }))).toEqual([]);
  });

  it('needs every word, case-insensitively, with % and _ as plain characters', async () => {
    expect(ids(await found(viewer, { query: 'рыжий КОТ' }))).toEqual([sent.k1.id]);
    expect(ids(await found(viewer, { query: 'рыжий клинике' }))).toEqual([]);
    expect(ids(await found(viewer, { query: '%' }))).toEqual([sent.v2.id]);
    expect(ids(await found(viewer, { query: 'кот_' }))).toEqual([sent.v2.id]);
    expect(ids(await found(viewer, { query: '1_0' }))).toEqual([]);
  });

  it('pages with next_cursor over every match exactly once, also while new messages arrive', async () => {
    const word = 'страница';
    const older: number[] = [];
    for (let i = 0; i < 12; i++) {
      older.unshift((await send(t, i % 3 ? viewer : a, i % 2 ? keeper.id : vet.id, `${word} ${i}`)).id);
    }
    const walked: number[] = [];
    const arrived: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await found(viewer, { query: word, limit: 5, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(5);
      walked.push(...ids(page));
      cursor = page.next_cursor;
      pages++;
      // Two more matches after every page: newer than the walk, they never enter it.
      for (const chat of [keeper, vet]) arrived.unshift((await send(t, a, chat.id, `${word} new`)).id);
    } while (cursor);
    expect(pages).toBe(3);
    expect(walked).toEqual(older);
    expect(ids(await found(viewer, { query: word, limit: 100 }))).toEqual([...arrived, ...older]);
  });

  it('answers what one filtered scan of the caller’s chats answers, for random words and pages', async () => {
    const next = random(7);
    const letters = ['к', 'о', 'т', 'а', 'с', 'р', 'е', 'н', '%', '_', '1', 'Ы'];
    for (let i = 0; i < 40; i++) {
      const query = Array.from(
        { length: 1 + Math.floor(next() * 3) },
        () => letters[Math.floor(next() * letters.length)],
      ).join('');
      const limit = 1 + Math.floor(next() * 4);
      const page = await found(viewer, { query, limit });
      const expected = await referenceCrossChatPage(t.db, viewer.id, { query, limit });
      expect({ query, ids: ids(page) }).toEqual({ query, ids: expected.slice(0, limit) });
      expect({ query, more: page.next_cursor !== null }).toEqual({ query, more: expected.length > limit });
    }
  });

  it('refuses a missing, empty or too long query, a bad limit or chat type, with 400 on the field', async () => {
    const cases: [Record<string, string | number>, string][] = [
      [{}, 'query'],
      [{ query: '   ' }, 'query'],
      [{ query: 'к'.repeat(201) }, 'query'],
      [{ query: 'кот', limit: 0 }, 'limit'],
      [{ query: 'кот', limit: 101 }, 'limit'],
      [{ query: 'кот', limit: 'abc' }, 'limit'],
      [{ query: 'кот', limit: '1.5' }, 'limit'],
      [{ query: 'кот', chat_type: 'cats' }, 'chat_type'],
    ];
    for (const [query, field] of cases) {
      const res = await search(viewer, query).expect(400);
      expectValidation(res.body, field);
    }
  });

  // The cursor is the last id, base64url-encoded (like the chat list's): one that decodes to
  // another position of the caller's own search is a valid cursor; anything else is refused.
  it('refuses a cursor it did not make with 400 on cursor', async () => {
    const good = (await found(viewer, { query: 'кот', limit: 1 })).next_cursor!;
    const base64 = (text: string) => Buffer.from(text).toString('base64url');
    const forged = [
      'not a cursor!',
      'abc',
      `${good}A`,
      `${good}==`,
      base64('m0'),
      base64('m-5'),
      base64('m99999999999'),
      base64('n5'),
      base64('m5 '),
      'x'.repeat(201),
    ];
    for (const cursor of forged) {
      const res = await search(viewer, { query: 'кот', cursor }).expect(400);
      expectValidation(res.body, 'cursor');
    }
    await search(viewer, { query: 'кот', cursor: good }).expect(200);
    expect(ids(await found(viewer, { query: 'кот', cursor: encodeSearchCursor(sent.k2.id) }))).toEqual([
      sent.v1.id,
      sent.k1.id,
    ]);
  });

  it('answers 401 without a valid token', async () => {
    const res = await search(undefined, { query: 'кот' }).expect(401);
    expectErrorShape(res.body, 401, 'unauthorized');
    await t
      .http()
      .get(`${API}/messages/search`)
      .query({ query: 'кот' })
      .set('Authorization', 'Bearer x')
      .expect(401);
  });
});
