import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { createHmac, createSecretKey } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Pool, PoolClient } from 'pg';
import { Server, Socket } from 'socket.io';
import { unreadCountSql } from '../../src/repositories/read-state.repository';
import { verifyToken } from '../lib/api';
import { BARE_SQL, crossChatSql, pageSql, RICH_PAGE_SQL } from './bare-sql';

/**
 * The bare baseline: a plain socket.io server on plain `pg`, written only to be measured against.
 * Per message it does the least a durable messenger must: one transaction that takes the next
 * seq of the chat and inserts the row, commit, then ack and broadcast to the chat's room. For the
 * read scenarios it runs the service's SQL (bare-sql.ts) behind a plain node:http handler; for
 * the rich history page (`/rich`), the statement a hand-written chat would run (RICH_PAGE_SQL),
 * signing each attachment's URLs as the service does.
 * No framework, no validation beyond types, no authorization beyond the handshake token.
 */

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};

const secret = env('JWT_SECRET');
const pool = new Pool({
  connectionString: env('DATABASE_URL'),
  max: Number(env('DATABASE_POOL_SIZE', '10')),
  application_name: 'bench-bare',
});

interface SocketUser {
  id: number;
  name: string;
}

interface SendPayload {
  chat_id: number;
  content: string;
  client_message_id?: string;
}

type Ack = (reply: { ok: boolean; data?: unknown; error?: unknown }) => void;

async function inTransaction<T>(run: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await run(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function sendMessage(user: SocketUser, payload: SendPayload): Promise<Record<string, unknown>> {
  return inTransaction(async (client) => {
    const seq = await client.query<{ last_seq: number }>(BARE_SQL.nextSeq, [payload.chat_id]);
    const inserted = await client.query(BARE_SQL.insertMessage, [
      payload.chat_id,
      seq.rows[0].last_seq,
      user.id,
      user.name,
      payload.content,
      payload.client_message_id ?? null,
    ]);
    return inserted.rows[0] as Record<string, unknown>;
  });
}

const httpServer = createServer((request, response) => {
  route(request, response).catch((error: unknown) => {
    response.writeHead(500, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: String(error) }));
  });
});

const io = new Server(httpServer, { serveClient: false });

io.use((socket, next) => {
  const token = (socket.handshake.auth as { token?: string }).token;
  const claims = token ? verifyToken(secret, token) : null;
  if (!claims) return next(new Error('unauthorized'));
  pool
    .query<{ display_name: string; chat_ids: number[] }>(BARE_SQL.handshake, [claims.id])
    .then(({ rows }) => {
      if (!rows[0]) return next(new Error('unauthorized'));
      socket.data = { id: claims.id, name: rows[0].display_name } satisfies SocketUser;
      void socket.join([`user:${claims.id}`, ...rows[0].chat_ids.map((id) => `chat:${id}`)]);
      next();
    })
    .catch((error: Error) => next(error));
});

io.on('connection', (socket: Socket) => {
  socket.on('message:send', (payload: SendPayload, ack: Ack) => {
    sendMessage(socket.data as SocketUser, payload).then(
      (message) => {
        ack({ ok: true, data: message });
        io.to(`chat:${payload.chat_id}`).emit('message:new', message);
      },
      (error: Error) => ack({ ok: false, error: { status: 500, code: 'internal', message: error.message } }),
    );
  });
});

const int = (value: string | null): number | null => (value === null ? null : Number(value));

/** The key the attachments' URLs are signed with (HMAC-SHA256, as the service signs them). */
const urlKey = createSecretKey(Buffer.from(`${secret}:attachments`));

/** How long a signed URL is valid, as the service's default ATTACHMENT_URL_TTL_SECONDS. */
const URL_TTL_SECONDS = 3600;

function signedUrl(id: number, variant: string, expires: number): string {
  const signature = createHmac('sha256', urlKey).update(`${id}:${variant}:${expires}`).digest('base64url');
  return `/api/v1/attachments/${id}/content?variant=${variant}&expires=${expires}&signature=${signature}`;
}

/** An attachment of RICH_PAGE_SQL, as the contract shows it: its URLs signed now. */
interface RichAttachment {
  id: number;
  thumbnail: boolean;
  [column: string]: unknown;
}

function withUrls({ thumbnail, ...attachment }: RichAttachment, expires: number): Record<string, unknown> {
  return {
    ...attachment,
    url: signedUrl(attachment.id, 'original', expires),
    thumbnail_url: thumbnail ? signedUrl(attachment.id, 'thumbnail', expires) : null,
  };
}

async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://bare');
  const query = (name: string) => url.searchParams.get(name);
  let body: unknown;
  switch (url.pathname) {
    case '/ready':
      await pool.query('SELECT 1');
      body = { ok: true };
      break;
    case '/history':
    case '/search': {
      const limit = Number(query('limit') ?? 50);
      const { sql, params } = pageSql({
        chatId: Number(query('chat_id')),
        before: int(query('before')) ?? undefined,
        after: int(query('after')) ?? undefined,
        words: (query('q') ?? '').split(/\s+/u).filter((word) => word.length > 0),
        sort: query('sort') === 'asc' ? 'asc' : 'desc',
        limit,
      });
      const { rows } = await pool.query(sql, params);
      body = { items: rows.slice(0, limit), has_more: rows.length > limit };
      break;
    }
    case '/rich': {
      const limit = Number(query('limit') ?? 50);
      // Named: planned once per connection, as the service's pages are (a plan of this
      // statement each time would cost the floor more than its execution).
      const { rows } = await pool.query<{ attachments: RichAttachment[] | null }>({
        name: 'rich-page',
        text: RICH_PAGE_SQL,
        values: [Number(query('chat_id')), int(query('user_id')), limit + 1],
      });
      const expires = Math.floor(Date.now() / 1000) + URL_TTL_SECONDS;
      body = {
        items: rows.slice(0, limit).map((row) => ({
          ...row,
          attachments: (row.attachments ?? []).map((attachment) => withUrls(attachment, expires)),
        })),
        has_more: rows.length > limit,
      };
      break;
    }
    case '/xsearch': {
      const limit = Number(query('limit') ?? 50);
      const words = (query('q') ?? '').split(/\s+/u).filter((word) => word.length > 0);
      const { sql, params } = crossChatSql(Number(query('user_id')), words, limit);
      const { rows } = await pool.query(sql, params);
      body = { items: rows.slice(0, limit), next_cursor: rows.length > limit ? 'more' : null };
      break;
    }
    case '/chats': {
      const { rows } = await pool.query(BARE_SQL.chatList(unreadCountSql('c', 'm')), [
        int(query('user_id')),
        Number(query('limit') ?? 20) + 1,
      ]);
      const limit = Number(query('limit') ?? 20);
      body = { items: rows.slice(0, limit), next_cursor: rows.length > limit ? 'more' : null };
      break;
    }
    case '/unread': {
      const { rows } = await pool.query(BARE_SQL.unread(unreadCountSql('c', 'm')), [
        int(query('chat_id')),
        int(query('user_id')),
      ]);
      body = rows[0];
      break;
    }
    default:
      response.writeHead(404).end();
      return;
  }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

async function main(): Promise<void> {
  const redisUrl = process.env.REDIS_URL;
  if (redisUrl) {
    const pub = new Redis(redisUrl);
    io.adapter(createAdapter(pub, pub.duplicate()));
  }
  await new Promise<void>((resolve) =>
    httpServer.listen(Number(env('PORT')), env('HOST', '127.0.0.1'), resolve),
  );
  const stop = () => {
    void io.close();
    void pool.end().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
