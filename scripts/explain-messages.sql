-- Query plans of the messages hot paths on a chat with 100k messages.
-- Run on a scratch database that has the migrations applied, e.g.:
--   createdb -h 127.0.0.1 -U postgres messages_explain
--   DATABASE_URL=postgres://postgres@127.0.0.1:5432/messages_explain npm run migration:run
--   psql postgres://postgres@127.0.0.1:5432/messages_explain -f scripts/explain-messages.sql
-- The statements are those of src/messages (history-query.ts, read-state.service.ts,
-- messages.service.ts) with their parameters written in.
\set ON_ERROR_STOP on
\pset pager off

BEGIN;
INSERT INTO users (username, display_name, password_hash)
SELECT 'explain_' || i, 'Explain ' || i, 'x' FROM generate_series(1, 3) i;

-- The first chat is the big one; chats 2..21 hold 5k messages each so chat_id has to narrow the indexes.
INSERT INTO chats (chat_type, created_by, member_key, last_seq)
SELECT 'other', (SELECT min(id) FROM users), 'explain-' || i, CASE WHEN i = 1 THEN 100000 ELSE 5000 END
  FROM generate_series(1, 21) i;

INSERT INTO chat_members (chat_id, user_id, role, last_read_seq)
SELECT c.id, u.id, CASE WHEN u.id = (SELECT min(id) FROM users) THEN 'owner' ELSE 'member' END, 50000
  FROM chats c CROSS JOIN users u;

-- Texts: common words everywhere, "переноска" in one message of 10k, "Стерилизация" in one of 1k.
INSERT INTO messages (chat_id, seq, sender_id, sender_name, content, created_at, deleted_at)
SELECT c.id, s, u.id, u.display_name,
       (ARRAY['Кот', 'кошка', 'Рыжий', 'котёнок', 'cat', 'Vet', 'корм', 'foster'])[1 + s % 8] || ' ' ||
       (ARRAY['у подъезда', 'на Лесной', 'near the park', 'нужна помощь', 'ищем дом'])[1 + s % 5] || ' #' || s ||
       CASE WHEN s % 10000 = 7 THEN ' нужна переноска' ELSE '' END ||
       CASE WHEN s % 1000 = 3 THEN ' Стерилизация 100% бесплатно' ELSE '' END,
       now() - (c.last_seq - s) * interval '1 minute',
       CASE WHEN s % 97 = 0 THEN now() END
  FROM chats c
  CROSS JOIN LATERAL generate_series(1, c.last_seq) s
  JOIN users u ON u.id = (SELECT min(id) FROM users) + s % 3;
COMMIT;
ANALYZE users, chats, chat_members, messages, message_read;

SELECT min(id) AS chat FROM chats \gset
SELECT min(id) AS owner, max(id) AS reader FROM users \gset
SELECT count(*) AS messages, count(*) FILTER (WHERE chat_id = :chat) AS in_big_chat,
       count(*) FILTER (WHERE chat_id = :chat AND seq > 50000 AND deleted_at IS NOT NULL) AS deleted_past_cursor
  FROM messages;

\echo '== history: newest page (GET /messages, sort=desc, limit=50)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT m.id, m.chat_id, m.seq, m.sender_id, m.sender_name, m.content, m.client_message_id, m.created_at, m.edited_at
  FROM messages m
 WHERE m.chat_id = :chat AND m.deleted_at IS NULL
 ORDER BY m.seq DESC LIMIT 51;

\echo '== history: a deep page (before=50000, limit=50)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT m.id, m.seq, m.content FROM messages m
 WHERE m.chat_id = :chat AND m.deleted_at IS NULL AND m.seq < 50000
 ORDER BY m.seq DESC LIMIT 51;

\echo '== sync after a reconnect (sort=asc, after=99000, limit=100)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT m.id, m.seq, m.content FROM messages m
 WHERE m.chat_id = :chat AND m.deleted_at IS NULL AND m.seq > 99000
 ORDER BY m.seq ASC LIMIT 101;

\echo '== unread count (cursor at 50000 of 100000, ~515 deleted past it)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT cm.last_read_seq, GREATEST(c.last_seq - cm.last_read_seq - (
         SELECT count(*)::int FROM messages d
          WHERE d.chat_id = c.id AND d.seq > cm.last_read_seq AND d.deleted_at IS NOT NULL
       ), 0) AS unread_count
  FROM chats c JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = :reader
 WHERE c.id = :chat;

\echo '== search: a rare word (query=ПЕРЕНОСКА)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT m.id, m.seq, m.content FROM messages m
 WHERE m.chat_id = :chat AND m.deleted_at IS NULL AND m.content ILIKE '%ПЕРЕНОСКА%'
 ORDER BY m.seq DESC LIMIT 51;

\echo '== search: two words, one with % (query=стерилизация 100%)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT m.id, m.seq, m.content FROM messages m
 WHERE m.chat_id = :chat AND m.deleted_at IS NULL
   AND m.content ILIKE '%стерилизация%' AND m.content ILIKE '%100\%%'
 ORDER BY m.seq DESC LIMIT 51;

\echo '== search: a common word (query=cat)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT m.id, m.seq, m.content FROM messages m
 WHERE m.chat_id = :chat AND m.deleted_at IS NULL AND m.content ILIKE '%cat%'
 ORDER BY m.seq DESC LIMIT 51;

\echo '== search: a word that occurs nowhere (query=zzzqqq)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT m.id, m.seq, m.content FROM messages m
 WHERE m.chat_id = :chat AND m.deleted_at IS NULL AND m.content ILIKE '%zzzqqq%'
 ORDER BY m.seq DESC LIMIT 51;

-- The write paths, rolled back so that the data stays as generated.
\echo '== send (the one statement of MessagesService.send)'
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH me AS (
  SELECT cm.last_read_seq, u.display_name
    FROM chat_members cm JOIN users u ON u.id = cm.user_id
   WHERE cm.chat_id = :chat AND cm.user_id = :owner AND cm.removed_at IS NULL
), next AS (
  UPDATE chats SET last_seq = last_seq + 1, updated_at = now()
   WHERE id = :chat AND deleted_at IS NULL AND EXISTS (SELECT 1 FROM me)
  RETURNING last_seq AS seq
), m AS (
  INSERT INTO messages AS m (chat_id, seq, sender_id, sender_name, content, client_message_id)
  SELECT :chat, next.seq, :owner, me.display_name, 'новое сообщение', 'explain-1' FROM next, me
  RETURNING m.id, m.chat_id, m.seq, m.sender_id, m.sender_name, m.content, m.client_message_id, m.created_at, m.edited_at
), cursor AS (
  UPDATE chat_members cm SET last_read_seq = GREATEST(cm.last_read_seq, m.seq), last_read_at = now()
    FROM m
   WHERE cm.chat_id = :chat AND cm.user_id = :owner
)
SELECT m.*, me.last_read_seq AS previous_read_seq FROM m, me;
ROLLBACK;

\echo '== mark read up to 50100 (the statement of ReadStateService.markRead)'
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH target AS (
  SELECT LEAST(COALESCE(50100, c.last_seq), c.last_seq) AS up_to
    FROM chats c WHERE c.id = :chat AND c.deleted_at IS NULL
), previous AS (
  SELECT last_read_seq FROM chat_members WHERE chat_id = :chat AND user_id = :reader
), moved AS (
  UPDATE chat_members cm SET last_read_seq = target.up_to, last_read_at = now()
    FROM target
   WHERE cm.chat_id = :chat AND cm.user_id = :reader AND cm.removed_at IS NULL AND cm.last_read_seq < target.up_to
  RETURNING cm.last_read_seq, cm.last_read_at
)
SELECT moved.last_read_seq, moved.last_read_at, previous.last_read_seq AS previous_read_seq,
       GREATEST(c.last_seq - moved.last_read_seq - (
         SELECT count(*)::int FROM messages d
          WHERE d.chat_id = c.id AND d.seq > moved.last_read_seq AND d.deleted_at IS NOT NULL
       ), 0) AS unread_count
  FROM moved, previous, chats c
 WHERE c.id = :chat;
ROLLBACK;

\echo '== receipts after that mark read (receipts.ts: 100 messages passed, 66 of them by others)'
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
INSERT INTO message_read (message_id, user_id, read_at)
SELECT o.id, :reader, now() FROM messages o
 WHERE o.chat_id = :chat AND o.seq > 50000 AND o.seq <= 50100 AND o.sender_id <> :reader AND o.deleted_at IS NULL
 ORDER BY o.seq
ON CONFLICT DO NOTHING;
ROLLBACK;

\echo '== receipts for a backlog of 10000 messages (the cost that stays out of the send and mark-read locks)'
BEGIN;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
INSERT INTO message_read (message_id, user_id, read_at)
SELECT o.id, :reader, now() FROM messages o
 WHERE o.chat_id = :chat AND o.seq > 50000 AND o.seq <= 60000 AND o.sender_id <> :reader AND o.deleted_at IS NULL
 ORDER BY o.seq
ON CONFLICT DO NOTHING;
ROLLBACK;
