import { SEARCH_SEGMENT_SIZE } from '../src/repositories/message-search.repository';
import { MessageSearchIndexer } from '../src/messages/search-indexer.service';
import { useApp } from './support/app.fixture';
import { createChat, Roles } from './support/chats.helpers';
import {
  API,
  BAD_IDS,
  chatWithRoles,
  expectValidation,
  historyOf,
  MANY_REQUESTS,
  MessageBody,
  send,
} from './support/messages.helpers';
import { TestUser } from './support/users.helpers';

describe('messages (e2e)', () => {
  const t = useApp(MANY_REQUESTS);

  const { messagesOf, seqsOf } = historyOf(t);

  describe('GET /chats/:chat_id/messages (history)', () => {
    let r: Roles;
    beforeAll(async () => {
      r = await chatWithRoles(t);
      for (let i = 1; i <= 7; i += 1) await send(t, i % 2 ? r.member : r.owner, r.chat.id, `message ${i}`);
    });

    it('answers newest first by default, 50 at most', async () => {
      const res = await messagesOf(r.member, r.chat.id).expect(200);
      expect(res.body.has_more).toBe(false);
      expect(res.body.items.map((m: MessageBody) => m.seq)).toEqual([7, 6, 5, 4, 3, 2, 1]);
      expect(res.body.items[0]).toEqual(
        expect.objectContaining({ content: 'message 7', sender_id: r.member.id }),
      );
    });

    it('pages backwards with before, exclusive, and says when there is more', async () => {
      expect(await seqsOf(r.member, r.chat.id, { limit: 3 })).toEqual({ seqs: [7, 6, 5], has_more: true });
      expect(await seqsOf(r.member, r.chat.id, { limit: 3, before: 5 })).toEqual({
        seqs: [4, 3, 2],
        has_more: true,
      });
      expect(await seqsOf(r.member, r.chat.id, { limit: 3, before: 2 })).toEqual({
        seqs: [1],
        has_more: false,
      });
      expect(await seqsOf(r.member, r.chat.id, { limit: 3, before: 4 })).toEqual({
        seqs: [3, 2, 1],
        has_more: false,
      });
    });

    it('pages forwards with sort=asc and after, exclusive', async () => {
      expect(await seqsOf(r.member, r.chat.id, { sort: 'asc', limit: 4 })).toEqual({
        seqs: [1, 2, 3, 4],
        has_more: true,
      });
      expect(await seqsOf(r.member, r.chat.id, { sort: 'asc', limit: 4, after: 4 })).toEqual({
        seqs: [5, 6, 7],
        has_more: false,
      });
      expect(await seqsOf(r.member, r.chat.id, { sort: 'asc', after: 7 })).toEqual({
        seqs: [],
        has_more: false,
      });
    });

    it('combines after and before into a window in either order', async () => {
      expect(await seqsOf(r.member, r.chat.id, { after: 2, before: 6 })).toEqual({
        seqs: [5, 4, 3],
        has_more: false,
      });
      expect(await seqsOf(r.member, r.chat.id, { after: 2, before: 6, sort: 'asc', limit: 2 })).toEqual({
        seqs: [3, 4],
        has_more: true,
      });
    });

    it.each(['owner', 'admin'] as const)('lets the %s read', async (role) => {
      expect((await seqsOf(r[role], r.chat.id, { limit: 1 })).seqs).toEqual([7]);
    });

    it('answers 401 without a token, 403 to a stranger and a removed member', async () => {
      await t.http().get(`${API}/chats/${r.chat.id}/messages`).expect(401);
      for (const user of [r.stranger, r.removed]) {
        expect((await messagesOf(user, r.chat.id).expect(403)).body.code).toBe('not_a_member');
      }
    });

    it.each([
      ['limit=0', 'limit', '0'],
      ['limit=101', 'limit', '101'],
      ['limit=abc', 'limit', 'abc'],
      ['limit=1.5', 'limit', '1.5'],
      ['an empty limit', 'limit', ''],
      ['before=-1', 'before', '-1'],
      ['before=x', 'before', 'x'],
      ['after=1e3', 'after', '1e3'],
      ['sort=up', 'sort', 'up'],
      ['a 201-character query', 'query', 'a'.repeat(201)],
      ['a query with NUL', 'query', 'a\u0000'],
      ['an unknown parameter', 'unknown', '1'],
    ])('rejects %s with 400', async (_, field, value) => {
      const res = await messagesOf(r.member, r.chat.id, { [field]: value }).expect(400);
      expectValidation(res.body, field);
    });

    it.each(BAD_IDS)('rejects chat_id %s with 400', async (id) => {
      const res = await t.http().get(`${API}/chats/${id}/messages`).set(r.member.auth).expect(400);
      expectValidation(res.body, 'chat_id');
    });
  });

  describe('search (query)', () => {
    let r: Roles;
    const texts = [
      'Рыжий КОТ у подъезда на Лесной',
      'рыжая кошка, ищем передержку',
      'Black CAT near the Vet clinic',
      'скидка 100% на стерилизацию',
      'скидка 100 процентов',
      'файл photo_cat.jpg',
      'файл photoXcat.jpg',
      'Ёжик в тумане',
    ];
    const search = async (query: string, user?: TestUser) => {
      const res = await messagesOf(user ?? r.member, r.chat.id, { query }).expect(200);
      return (res.body.items as MessageBody[]).map((m) => m.content);
    };

    beforeAll(async () => {
      r = await chatWithRoles(t);
      for (const text of texts) await send(t, r.owner, r.chat.id, text);
      const other = await createChat(t, r.owner, [r.member], { chat_type: 'seeker' });
      await send(t, r.owner, other.id, 'Рыжий кот в другом чате');
    });

    it('finds Cyrillic words in any case, only in this chat, newest first', async () => {
      expect(await search('рыж')).toEqual([texts[1], texts[0]]);
      expect(await search('РЫЖИЙ кот')).toEqual([texts[0]]);
      expect(await search('ёжик')).toEqual([texts[7]]);
    });

    it('finds Latin words in any case', async () => {
      expect(await search('cat VET')).toEqual([texts[2]]);
      expect(await search('black')).toEqual([texts[2]]);
    });

    it('needs every word, as a substring anywhere', async () => {
      expect(await search('кот кошка')).toEqual([]);
      expect(await search('передерж рыж')).toEqual([texts[1]]);
    });

    it('takes % and _ literally (seed defect 9)', async () => {
      expect(await search('100%')).toEqual([texts[3]]);
      expect(await search('%')).toEqual([texts[3]]);
      expect(await search('photo_cat')).toEqual([texts[5]]);
      expect(await search('_')).toEqual([texts[5]]);
      expect(await search('\\')).toEqual([]);
    });

    it('pages search results like the history, and an empty query finds everything', async () => {
      const first = await messagesOf(r.member, r.chat.id, { query: 'скидка', limit: 1 }).expect(200);
      expect(first.body).toEqual({ items: [expect.objectContaining({ content: texts[4] })], has_more: true });
      const next = await messagesOf(r.member, r.chat.id, {
        query: 'скидка',
        limit: 1,
        before: first.body.items[0].seq,
      }).expect(200);
      expect(next.body).toEqual({ items: [expect.objectContaining({ content: texts[3] })], has_more: false });
      expect(await search('  ')).toHaveLength(texts.length);
    });

    it('does not find deleted messages', async () => {
      const message = await send(t, r.member, r.chat.id, 'удалённый енот');
      expect(await search('енот')).toEqual(['удалённый енот']);
      await t
        .http()
        .delete(`${API}/chats/${r.chat.id}/messages/${message.id}`)
        .set(r.member.auth)
        .expect(204);
      expect(await search('енот')).toEqual([]);
    });

    it('is for members only', async () => {
      await messagesOf(r.stranger, r.chat.id, { query: 'кот' }).expect(403);
    });
  });

  describe('search blocks (message_search_segments)', () => {
    it('are built after the sends that complete them, and find old and edited messages', async () => {
      const r = await chatWithRoles(t);
      const first = await send(t, r.owner, r.chat.id, 'Барсучок у гаражей');
      const second = await send(t, r.owner, r.chat.id, 'ёжик');
      for (let i = 3; i <= 2 * SEARCH_SEGMENT_SIZE + 5; i += 1)
        await send(t, r.member, r.chat.id, `обычное ${i}`);
      await t.app.get(MessageSearchIndexer).idle();
      const blocks: { first_seq: number; last_seq: number }[] = await t.db.query(
        'SELECT first_seq, last_seq FROM message_search_segments WHERE chat_id = $1 ORDER BY first_seq',
        [r.chat.id],
      );
      expect(blocks).toEqual([
        { first_seq: 1, last_seq: SEARCH_SEGMENT_SIZE },
        { first_seq: SEARCH_SEGMENT_SIZE + 1, last_seq: 2 * SEARCH_SEGMENT_SIZE },
      ]);
      // limit 1: a window of 80 newest rows, so seqs 1 and 2 are found through their block...
      const found = async (query: string) => (await seqsOf(r.member, r.chat.id, { query, limit: 1 })).seqs;
      expect(await found('БАРСУЧОК')).toEqual([first.seq]);
      // ...and through an edit row once edited (the block still holds the old text).
      await t
        .http()
        .patch(`${API}/chats/${r.chat.id}/messages/${second.id}`)
        .set(r.owner.auth)
        .send({ content: 'енотик' })
        .expect(200);
      expect(await found('ЕНОТ')).toEqual([second.seq]);
      expect(await found('ёжик')).toEqual([]);
    });
  });
});
