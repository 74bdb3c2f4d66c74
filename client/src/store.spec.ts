import { ChatStore } from './store.ts';
import type { Chat, Message } from './types.ts';

const ME = 1;
const OTHER = 2;

function message(seq: number, extra: Partial<Message> = {}): Message {
  return {
    id: 100 + seq,
    chat_id: 7,
    seq,
    sender_id: OTHER,
    sender_name: 'other',
    content: `m${seq}`,
    client_message_id: null,
    created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    edited_at: null,
    attachments: [],
    reply_to: null,
    forwarded_from: null,
    location: null,
    mentions: [],
    reactions: [],
    ...extra,
  };
}

function chat(id: number, updatedAt: string, last: Message | null = null): Chat {
  return {
    id,
    chat_type: 'other',
    visibility: 'private',
    title: null,
    post_id: null,
    created_at: updatedAt,
    updated_at: updatedAt,
    members: [],
    last_message: last,
    unread_count: 0,
    unread_mentions_count: 0,
    my_role: 'member',
    avatar_url: null,
  };
}

function store(): { s: ChatStore; refreshes: [number, string][] } {
  const s = new ChatStore();
  const refreshes: [number, string][] = [];
  s.onNeedsRefresh = (chatId, reason) => refreshes.push([chatId, reason]);
  s.setMe({ id: ME, username: 'me', display_name: 'me', avatar_url: null });
  return { s, refreshes };
}

describe('ChatStore', () => {
  it('stores a message once however often it arrives, in seq order, and counts it once', () => {
    const { s } = store();
    s.upsertChats([chat(7, '2026-01-01T00:00:00.000Z')]);
    s.openChat(7);
    s.applyNew(message(2));
    s.addMessages(7, [message(1), message(2)]);
    s.applyNew(message(2));
    const snapshot = s.getSnapshot();
    expect(snapshot.messages.get(7)!.items.map((m) => m.status === 'sent' && m.seq)).toEqual([1, 2]);
    expect(snapshot.chats[0]).toMatchObject({ unread_count: 1, last_message: { seq: 2 } });
  });

  it('counts mentions, resets both counts on a send of its own, and sorts chats by activity', () => {
    const { s } = store();
    s.upsertChats([chat(7, '2026-01-01T00:00:00.000Z'), chat(8, '2026-01-02T00:00:00.000Z')]);
    expect(s.getSnapshot().chats.map((c) => c.id)).toEqual([8, 7]);
    s.applyNew(message(1, { mentions: [ME], created_at: '2026-01-03T00:00:00.000Z' }));
    expect(s.getSnapshot().chats[0]).toMatchObject({ id: 7, unread_count: 1, unread_mentions_count: 1 });
    s.applyNew(message(2, { sender_id: ME, created_at: '2026-01-03T00:00:01.000Z' }));
    expect(s.getSnapshot().chats[0]).toMatchObject({ id: 7, unread_count: 0, unread_mentions_count: 0 });
  });

  it('changes the snapshot identity on every change and only then', () => {
    const { s } = store();
    const first = s.getSnapshot();
    expect(s.getSnapshot()).toBe(first);
    s.upsertChats([chat(7, '2026-01-01T00:00:00.000Z')]);
    expect(s.getSnapshot()).not.toBe(first);
  });

  it('asks for a catch-up on a gap in seq and for a re-read where events cannot tell the counts', () => {
    const { s, refreshes } = store();
    s.upsertChats([chat(7, '2026-01-01T00:00:00.000Z')]);
    s.addMessages(7, [message(1)]);
    s.applyNew(message(3));
    expect(refreshes).toContainEqual([7, 'gap']);
    s.applyDeleted({ chat_id: 7, message_id: message(3).id, seq: 3 });
    expect(refreshes).toContainEqual([7, 'counts']);
    s.applyNew(message(1, { chat_id: 9 }));
    expect(refreshes).toContainEqual([9, 'unknown_chat']);
  });

  it('keeps its newer last message against an older list page, but not against an authoritative read', () => {
    const { s, refreshes } = store();
    s.upsertChats([chat(7, '2026-01-01T00:00:00.000Z')]);
    s.applyNew(message(5));
    s.upsertChats([chat(7, '2026-01-01T00:00:00.000Z', message(4))]);
    expect(s.getChat(7)!.last_message!.seq).toBe(5);
    expect(refreshes).toContainEqual([7, 'counts']);
    s.upsertChats([chat(7, '2026-01-01T00:00:00.000Z', message(4))], true);
    expect(s.getChat(7)!.last_message!.seq).toBe(4);
  });

  it("keeps the reader's own reaction flags across events that carry me: false", () => {
    const { s } = store();
    s.upsertChats([chat(7, '2026-01-01T00:00:00.000Z')]);
    s.addMessages(7, [message(1)]);
    const id = message(1).id;
    s.applyReactions({
      chat_id: 7,
      message_id: id,
      user_id: ME,
      emoji: '👍',
      on: true,
      reactions: [{ emoji: '👍', count: 1 }],
    });
    s.applyReactions({
      chat_id: 7,
      message_id: id,
      user_id: OTHER,
      emoji: '👍',
      on: true,
      reactions: [{ emoji: '👍', count: 2 }],
    });
    s.applyUpdated({ ...message(1), content: 'edited', reactions: [{ emoji: '👍', count: 2, me: false }] });
    const stored = s.getSnapshot().messages.get(7)!.items[0];
    expect(stored).toMatchObject({ content: 'edited', reactions: [{ emoji: '👍', count: 2, me: true }] });
  });

  it('replaces an optimistic message by the stored one with the same key', () => {
    const { s } = store();
    s.upsertChats([chat(7, '2026-01-01T00:00:00.000Z')]);
    s.openChat(7);
    s.putOutgoing({
      status: 'pending',
      key: `c:${ME}:abc`,
      chat_id: 7,
      client_message_id: 'abc',
      input: { content: 'hi' },
      created_at: '2026-01-01T00:00:00.000Z',
    });
    expect(s.getSnapshot().messages.get(7)!.items).toMatchObject([{ status: 'pending', key: `c:${ME}:abc` }]);
    s.applyNew(message(1, { sender_id: ME, client_message_id: 'abc' }));
    expect(s.getSnapshot().messages.get(7)!.items).toMatchObject([
      { status: 'sent', key: `c:${ME}:abc`, seq: 1 },
    ]);
  });

  it('drops a chat the user was removed from, with its messages', () => {
    const { s } = store();
    s.upsertChats([chat(7, '2026-01-01T00:00:00.000Z')]);
    s.addMessages(7, [message(1)]);
    s.applyMemberRemoved({ chat_id: 7, user_id: ME });
    expect(s.getSnapshot().chats).toEqual([]);
    expect(s.getSnapshot().messages.has(7)).toBe(false);
  });
});
