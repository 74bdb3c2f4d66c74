/**
 * CPU per read request of the service's HTTP pipeline, in one process: builds the app from one
 * or more compiled trees (`--app <dir>`, repeated; the folder holding src/app.factory.js, so
 * that main's build and a branch's can be compared), seeds in each one chat with a page of 50
 * messages, a list of 20 chats and a group chat whose page is rich (replies, photos, reactions), then sends sequential GETs of each page over one keep-alive
 * connection, in blocks of `--block` requests that alternate between the builds, and reports
 * `process.cpuUsage()` of the serving process (user + system; PostgreSQL's CPU is not in it) per
 * request and build. The requests are sent by a child process of this script, as the bench's load
 * generator is a process of its own: the client's work (writing requests, parsing the answers'
 * headers and bodies) is not counted, so a build that answers with fewer headers is not credited
 * with its client's savings. Sequential requests and alternating blocks make the figure steady
 * on a shared machine: it counts the CPU the process used, not the time it waited for a core,
 * and a busy spell of the machine lands on every build alike.
 *
 *   npx tsc -p bench/tsconfig.json --outDir /tmp/bench-cpu
 *   DATABASE_URL=postgres://... node /tmp/bench-cpu/bench/http-cpu.js --app <main build> --app dist
 *     [--requests 2000] [--block 200] [--warmup 500] [--services] [--rate 100]
 *     [--pages history,chatlist,rich] [--log-level info]
 *
 * With `--log-level info` the apps log as the service does by default, a line per request, on
 * this process' stdout beside the results (`| grep '^{"app"'`); `warn` (the default) logs none.
 *
 * With `--rate`, the requests are paced at that many a second (the read scenarios' rate) instead
 * of back to back: a request then finds the process idle, its caches cold, and costs more.
 *
 * With `--services`, each build also serves the same two pages from a bare node:http handler in
 * the same process, calling the app's own services (TokenService, once per token as the app's
 * guard does; MessagesService, ChatsService) and JSON.stringify, with none of the HTTP chain
 * (Fastify's hooks, Nest's router, guards, pipes and reply): the difference is what that chain
 * costs a read (the bodies are checked equal first).
 *
 * The database must be migrated (MIGRATIONS_RUN is not set here); users get unique names per run.
 */
import type { INestApplication } from '@nestjs/common';
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { register as registerUser } from './lib/api';
import { richChat } from './lib/rich-chat';

/** Loads a compiled build by path, whichever build it is. */
const load = createRequire(__filename);

interface Args {
  apps: string[];
  requests: number;
  block: number;
  warmup: number;
  services: boolean;
  /** Requests a second, paced (`--rate`); back to back without it. */
  rate?: number;
  /** The pages measured (`--pages history,chatlist,rich`; history and chatlist by default). */
  pages: Page[];
  /** The apps' LOG_LEVEL (`--log-level`, `warn` by default: no request lines). */
  logLevel: string;
}

function parseArgs(argv: string[]): Args {
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(`--${name}`);
    return at === -1 ? undefined : argv[at + 1];
  };
  const apps = argv.flatMap((arg, at) => (arg === '--app' ? [resolve(argv[at + 1])] : []));
  return {
    apps: apps.length > 0 ? apps : [resolve('dist')],
    requests: Number(value('requests') ?? 2000),
    block: Number(value('block') ?? 200),
    warmup: Number(value('warmup') ?? 500),
    services: argv.includes('--services'),
    rate: value('rate') === undefined ? undefined : Number(value('rate')),
    pages: (value('pages') ?? 'history,chatlist').split(',').map((page) => {
      if (!(PAGES as readonly string[]).includes(page)) throw new Error(`--pages: no page ${page}`);
      return page as Page;
    }),
    logLevel: value('log-level') ?? 'warn',
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function call(
  origin: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  return new Promise((done, fail) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${origin}${path}`,
      {
        method,
        agent,
        headers: {
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(text ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          done({ status: res.statusCode ?? 0, body: raw ? (JSON.parse(raw) as unknown) : undefined });
        });
      },
    );
    req.on('error', fail);
    req.end(text);
  });
}

async function ok(
  origin: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<unknown> {
  const res = await call(origin, method, path, token, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * The pages: a plain history page of 50 messages, a list of 20 chats, and a rich history page
 * (50 of 60 messages, each a reply with a photo and two reactions, as the bench's history step).
 */
const PAGES = ['history', 'chatlist', 'rich'] as const;
type Page = (typeof PAGES)[number];

/** Where a page is read: through the app, or (`--services`) from its services alone. */
type Route = 'app' | 'services';

/** One build, started and seeded: its pages and the CPU they used so far. */
interface Subject {
  dir: string;
  app: INestApplication;
  /** The bare handler of `--services`. */
  services?: Server;
  origins: Partial<Record<Route, string>>;
  token: string;
  pages: Record<Route, Record<Page, string>>;
  used: Record<string, number>;
}

/** The services a page is made of, from the build's own modules (`app.get` wants its classes). */
interface PageServices {
  authenticate(token: string): { id: number } | Promise<{ id: number }>;
  history(userId: number, chatId: number): Promise<unknown>;
  chatList(userId: number): Promise<unknown>;
}

function servicesOf(dir: string, app: INestApplication): PageServices {
  const classOf = (file: string, name: string) =>
    (load(join(dir, file)) as Record<string, new () => unknown>)[name];
  const tokens = app.get<unknown, { authenticate(token: string): { id: number } | Promise<{ id: number }> }>(
    classOf('src/auth/token.service.js', 'TokenService'),
  );
  const messages = app.get<
    unknown,
    { list(userId: number, chatId: number, query: { sort: string; limit: number }): Promise<unknown> }
  >(classOf('src/messages/messages.service.js', 'MessagesService'));
  const chats = app.get<unknown, { list(userId: number, query: { limit: number }): Promise<unknown> }>(
    classOf('src/chats/chats.service.js', 'ChatsService'),
  );
  return {
    authenticate: (token) => tokens.authenticate(token),
    history: (userId, chatId) => messages.list(userId, chatId, { sort: 'desc', limit: 50 }),
    chatList: (userId) => chats.list(userId, { limit: 20 }),
  };
}

/**
 * The pages from the services alone: token, page, JSON.stringify, written with a length;
 * `/history/<chat id>` (the rich page too) and `/chatlist`.
 */
async function serveBare(services: PageServices): Promise<{ server: Server; origin: string }> {
  // The token verified once, as the app's guard remembers verified tokens (JwtAuthGuard):
  // verified afresh on every request, it cost ~100-250 µs more a page than the app pays.
  const users = new Map<string, { id: number }>();
  const server = createServer((req, res) => {
    void (async () => {
      const token = (req.headers.authorization ?? '').slice('Bearer '.length);
      let user = users.get(token);
      if (!user) users.set(token, (user = await services.authenticate(token)));
      const [, page, chatId] = (req.url ?? '').split('/');
      const body =
        page === 'history'
          ? await services.history(user.id, Number(chatId))
          : await services.chatList(user.id);
      const text = JSON.stringify(body);
      res.writeHead(200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(text),
      });
      res.end(text);
    })().catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function start(dir: string, withServices: boolean, logLevel: string): Promise<Subject> {
  const { createApp } = load(join(dir, 'src/app.factory.js')) as {
    createApp: (config: unknown) => Promise<INestApplication>;
  };
  const { loadConfig } = load(join(dir, 'src/config/app.config.js')) as {
    loadConfig: (env: Record<string, string>) => unknown;
  };
  const config = loadConfig({
    NODE_ENV: 'production',
    // Production requires a VAPID key pair (Web Push); this one is the bench's own.
    VAPID_PUBLIC_KEY:
      'BH7dlt3bt--ExpNVvlDZmmnsC842en6dajO9sim225ZKFCUWEArpy7jv-o986cPSB0ksmZNvjVJ4OMvYJzGKTQY',
    VAPID_PRIVATE_KEY: 'Y0g4xwcjVQrRoYElR4Otzw3PnNjWIEipsQcl7AJxQ44',
    VAPID_SUBJECT: 'mailto:bench@rescue-chat.invalid',
    DATABASE_URL: process.env.DATABASE_URL ?? '',
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123456789',
    LOG_LEVEL: logLevel,
    RATE_LIMIT_MAX: '10000000',
    AUTH_RATE_LIMIT_MAX: '10000000',
    AUTH_USERNAME_RATE_LIMIT_MAX: '10000000',
    CHAT_CREATE_RATE_LIMIT: '10000000,1',
    MEMBER_ADD_RATE_LIMIT: '10000000,1',
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
  const origin = `http://127.0.0.1:${port}`;
  const tag = `${process.pid.toString(36)}${Date.now().toString(36)}`.slice(-10);
  const register = async (name: string) =>
    (await ok(origin, 'POST', '/api/v1/auth/register', undefined, {
      username: `${name}${tag}`,
      password: 'correct horse battery',
    })) as { user: { id: number }; access_token: string };
  const alice = await register('a');
  // Twenty chats for alice's list, one per partner (one chat per set of members).
  const chatIds: number[] = [];
  for (let n = 0; n < 20; n += 1) {
    const partner = await register(`p${n}`);
    const chat = (await ok(origin, 'POST', '/api/v1/chats', alice.access_token, {
      member_ids: [partner.user.id],
    })) as { id: number };
    chatIds.push(chat.id);
  }
  for (let n = 0; n < 50; n += 1) {
    await ok(origin, 'POST', `/api/v1/chats/${chatIds[0]}/messages`, alice.access_token, {
      content: `message ${n} of the history page, of an ordinary length for a chat`,
    });
  }
  const richChatId = await richChat(
    origin,
    { id: alice.user.id, username: `a${tag}`, token: alice.access_token },
    [await registerUser(origin, `rb${tag}`), await registerUser(origin, `rc${tag}`)],
  );
  const subject: Subject = {
    dir,
    app,
    origins: { app: origin },
    token: alice.access_token,
    pages: {
      app: {
        history: `/api/v1/chats/${chatIds[0]}/messages?limit=50`,
        chatlist: '/api/v1/chats?limit=20',
        rich: `/api/v1/chats/${richChatId}/messages?limit=50`,
      },
      services: { history: `/history/${chatIds[0]}`, chatlist: '/chatlist', rich: `/history/${richChatId}` },
    },
    used: {},
  };
  if (withServices) {
    const bare = await serveBare(servicesOf(dir, app));
    subject.services = bare.server;
    subject.origins.services = bare.origin;
    // The comparison holds only if both answer the same.
    for (const page of PAGES) {
      const [viaApp, viaServices] = [
        await ok(origin, 'GET', subject.pages.app[page], subject.token),
        await ok(bare.origin, 'GET', subject.pages.services[page], subject.token),
      ];
      if (JSON.stringify(viaApp) !== JSON.stringify(viaServices))
        throw new Error(`${page}: the bodies differ`);
    }
  }
  return subject;
}

/** One block of sequential GETs, sent by the client process. */
interface Block {
  origin: string;
  path: string;
  token: string;
  count: number;
  rate?: number;
}

/** Sends a block's requests one after the other, paced at `rate` a second when it is set. */
async function send(block: Block): Promise<void> {
  const started = performance.now();
  for (let n = 0; n < block.count; n += 1) {
    if (block.rate) {
      const wait = started + (n * 1000) / block.rate - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    await ok(block.origin, 'GET', block.path, block.token);
  }
}

/** The client: a child process of this script (`--client`) that sends the blocks it is given. */
function serveBlocks(): void {
  process.on('message', (block: Block) => {
    send(block).then(
      () => process.send?.({ ok: true }),
      (error: unknown) => process.send?.({ ok: false, error: String(error) }),
    );
  });
  process.on('disconnect', () => {
    agent.destroy();
    process.exit(0);
  });
}

/** The client process: a block sent through it, awaited; and its end. */
interface Client {
  send(block: Block): Promise<void>;
  close(): void;
}

function startClient(): Client {
  const child: ChildProcess = fork(__filename, ['--client'], { stdio: 'inherit' });
  let pending: { done: () => void; fail: (error: Error) => void } | undefined;
  child.on('message', (reply: { ok: boolean; error?: string }) => {
    const waiting = pending;
    pending = undefined;
    if (reply.ok) waiting?.done();
    else waiting?.fail(new Error(`client: ${reply.error}`));
  });
  child.on('exit', (code) => pending?.fail(new Error(`client exited with ${code}`)));
  return {
    send: (block) =>
      new Promise<void>((done, fail) => {
        pending = { done, fail };
        child.send(block);
      }),
    close: () => child.disconnect(),
  };
}

/** CPU (µs, user + system) this process used while the client sent one block to `route`. */
async function run(
  client: Client,
  subject: Subject,
  route: Route,
  page: Page,
  count: number,
  rate?: number,
): Promise<number> {
  const block = { origin: subject.origins[route]!, path: subject.pages[route][page], token: subject.token };
  const before = process.cpuUsage();
  await client.send({ ...block, count, rate });
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const routes: Route[] = args.services ? ['app', 'services'] : ['app'];
  const subjects: Subject[] = [];
  const client = startClient();
  try {
    for (const dir of args.apps) subjects.push(await start(dir, args.services, args.logLevel));
    for (const page of args.pages) {
      for (const subject of subjects)
        for (const route of routes) await run(client, subject, route, page, args.warmup);
      for (let done = 0; done < args.requests; done += args.block) {
        for (const subject of subjects) {
          for (const route of routes) {
            const key = route === 'app' ? `${page}_us` : `${page}_services_us`;
            subject.used[key] =
              (subject.used[key] ?? 0) + (await run(client, subject, route, page, args.block, args.rate));
          }
        }
      }
    }
    for (const subject of subjects) {
      const per = Object.fromEntries(
        Object.entries(subject.used).map(([key, used]) => [key, Math.round(used / args.requests)]),
      );
      process.stdout.write(`${JSON.stringify({ app: subject.dir, requests: args.requests, ...per })}\n`);
    }
  } finally {
    client.close();
    agent.destroy();
    for (const subject of subjects) {
      subject.services?.close();
      await subject.app.close();
    }
  }
}

if (process.argv.includes('--client')) {
  serveBlocks();
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
