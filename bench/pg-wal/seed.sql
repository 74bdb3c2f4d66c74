-- The data of docs/perf-messages-write.md's WAL runs: chat 1 of 100,000 messages, chats 2–21 of
-- 5,000, chats 22–121 (the sends') of 0–639 each (so that the sends complete search blocks at a
-- uniform rate), one message in 500 deleted; the search words of the latency table planted in
-- chat 1. :'content' is bench/lib/bulk.ts CONTENT_SQL (an expression of the seq g).
INSERT INTO users (username, display_name, password_hash)
SELECT 'user' || g, 'User ' || g, 'x' FROM generate_series(1, 242) g;
INSERT INTO chats (chat_type, created_by, member_key)
SELECT 'other', 2 * g - 1, (2 * g - 1) || ',' || (2 * g) FROM generate_series(1, 121) g;
INSERT INTO chat_members (chat_id, user_id, role)
SELECT g, 2 * g - 1, 'owner' FROM generate_series(1, 121) g
UNION ALL SELECT g, 2 * g, 'member' FROM generate_series(1, 121) g;
INSERT INTO messages (chat_id, seq, sender_id, sender_name, content, deleted_at)
SELECT c.id, g, 2 * c.id - 1 + g % 2, 'User', :content, CASE WHEN g % 500 = 0 THEN now() END
  FROM chats c
 CROSS JOIN LATERAL generate_series(1, CASE WHEN c.id = 1 THEN 100000 WHEN c.id <= 21 THEN 5000
                                            ELSE abs(hashint4(c.id)) % 640 END) g;
-- Rare words in chat 1: 'лишайчик' in every 1,000th message (100), 'барсучок' in every 10,000th (10).
UPDATE messages SET content = content || ' лишайчик' WHERE chat_id = 1 AND seq % 1000 = 7;
UPDATE messages SET content = content || ' барсучок' WHERE chat_id = 1 AND seq % 10000 = 5003;
UPDATE chats c SET last_seq = m.last FROM (SELECT chat_id, max(seq) AS last FROM messages GROUP BY chat_id) m
 WHERE m.chat_id = c.id;
UPDATE chat_members cm SET last_read_seq = c.last_seq FROM chats c WHERE c.id = cm.chat_id;
