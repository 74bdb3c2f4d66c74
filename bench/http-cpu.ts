/**
 * CPU per read request of the service's HTTP pipeline, in one process: builds the app from one
 * or more compiled trees (`--app <dir>`, repeated; the folder holding src/app.factory.js, so
 * that main's build and a branch's can be compared), seeds in each one chat with a page of 50
 * messages and a list of 20 chats, then sends sequential GETs of each page over one keep-alive
 * connection, in blocks of `--block` requests that alternate between the builds, and reports
 * `process.cpuUsage()` (user + system, client included; PostgreSQL's CPU is not in it) per
 * request and build. Sequential requests and alternating blocks make the figure steady on a
 * shared machine: it counts the CPU the process used, not the time it waited for a core, and
 * a busy spell of the machine lands on every build alike.
 *
 *   npx tsc -p bench/tsconfig.json --outDir /tmp/bench-cpu
 *   DATABASE_URL=postgres://... node /tmp/bench-cpu/bench/http-cpu.js --app <main build> --app dist
 *     [--requests 2000] [--block 200] [--warmup 500]
 *
 * The database must be migrated (MIGRATIONS_RUN is not set here); users get unique names per run.
 */
import type { INestApplication } from '@nestjs/common';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

/** Loads a compiled build by path, whichever build it is. */
const load = createRequire(__filename);

interface Args {
  apps: string[];
  requests: number;
  block: number;
  warmup: number;
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

/** One build, started and seeded: its pages and the CPU they used so far. */
interface Subject {
  dir: string;
  app: INestApplication;
  origin: string;
  token: string;
  pages: Record<'history' | 'chatlist', string>;
  used: Record<'history' | 'chatlist', number>;
}

async function start(dir: string): Promise<Subject> {
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
    LOG_LEVEL: 'warn',
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
  return {
    dir,
    app,
    origin,
    token: alice.access_token,
    pages: { history: `/api/v1/chats/${chatIds[0]}/messages?limit=50`, chatlist: '/api/v1/chats?limit=20' },
    used: { history: 0, chatlist: 0 },
  };
}

async function run(subject: Subject, page: 'history' | 'chatlist', count: number): Promise<number> {
  const before = process.cpuUsage();
  for (let n = 0; n < count; n += 1) await ok(subject.origin, 'GET', subject.pages[page], subject.token);
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const subjects: Subject[] = [];
  try {
    for (const dir of args.apps) subjects.push(await start(dir));
    for (const page of ['history', 'chatlist'] as const) {
      for (const subject of subjects) await run(subject, page, args.warmup);
      for (let done = 0; done < args.requests; done += args.block) {
        for (const subject of subjects) subject.used[page] += await run(subject, page, args.block);
      }
    }
    for (const subject of subjects) {
      const per = (page: 'history' | 'chatlist') => Math.round(subject.used[page] / args.requests);
      process.stdout.write(
        `${JSON.stringify({ app: subject.dir, requests: args.requests, history_us: per('history'), chatlist_us: per('chatlist') })}\n`,
      );
    }
  } finally {
    agent.destroy();
    for (const subject of subjects) await subject.app.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
