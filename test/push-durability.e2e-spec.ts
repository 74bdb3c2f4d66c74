import { Client } from 'pg';
import request from 'supertest';
import { startApp, TestApp } from './support/app.fixture';
import { ownDatabase } from './support/test-database.fixture';
import { createChat } from './support/chats.helpers';
import { MANY_REQUESTS, MessageBody, send } from './support/messages.helpers';
import { BrowserSubscription, LocalPushService, startPushService } from './support/push-service.fixture';
import { pause, subscribePush } from './support/push.helpers';
import { buildService, removeBuild, ServiceProcess, startService } from './support/service-process.fixture';
import { registerUser } from './support/users.helpers';

/**
 * A restart between a message and its push neither loses nor repeats the push: the instance that
 * took the message stops right after the send's answer, and the next one sends the push, once.
 * One instance at a time on the suite's database (no other app would run the jobs meanwhile).
 */
describe('Web Push across a restart (e2e)', () => {
  let push: LocalPushService;
  let env: Record<string, string>;
  let database: { url: string; drop: () => Promise<void> };
  const running: TestApp[] = [];

  beforeAll(async () => {
    push = await startPushService();
    // A database of its own: its push queues hold only this suite's jobs (ownDatabase).
    database = await ownDatabase('chat_push_restart');
    env = {
      DATABASE_URL: database.url,
      ...MANY_REQUESTS,
      PUSH_ENDPOINT_HOSTS: push.host,
      // Long enough that the fan-out is still waiting when the first instance stops.
      PUSH_COALESCE_MS: '1500',
      PUSH_POLL_INTERVAL_MS: '500',
    };
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((t) => t.close()));
    expect(push.rejected).toEqual([]);
  });
  afterAll(async () => {
    await push?.close();
    await database?.drop();
  });

  async function start(): Promise<TestApp> {
    const t = await startApp(env);
    running.push(t);
    return t;
  }

  async function stop(t: TestApp): Promise<void> {
    running.splice(running.indexOf(t), 1);
    await t.close();
  }

  /** Waits until the chat's fan-out job is queued (it is, shortly after the send's answer). */
  async function fanoutQueued(t: TestApp, chatId: number): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const rows: unknown[] = await t.db.query(
        `SELECT 1 FROM pgboss.job WHERE name = 'push-fanout' AND singleton_key = $1 AND state = 'created'`,
        [String(chatId)],
      );
      if (rows.length > 0) return;
      await pause(20);
    }
    throw new Error(`the fan-out of chat ${chatId} was never queued`);
  }

  /** The message's push arrives within 10 s, and no second one a while later. */
  async function pushedOnce(sub: BrowserSubscription, chatId: number, message: MessageBody): Promise<void> {
    const received = await push.waitFor(sub, 1, 10_000);
    expect(received.payload).toMatchObject({
      chat_id: chatId,
      message_id: message.id,
      body: message.content,
    });
    await pause(2500);
    expect(push.pushesOf(sub)).toHaveLength(1);
  }

  /** A chat whose member (never connected: offline) has a subscription; the sender has none. */
  async function setup(t: TestApp) {
    const [owner, member] = await Promise.all([registerUser(t), registerUser(t)]);
    const chat = await createChat(t, owner, [member], { title: 'restart' });
    const sub = push.subscribe();
    await subscribePush(t, member, sub);
    return { owner, chat, sub };
  }

  it('sends a push whose fan-out was queued before the stop, once, from the next instance', async () => {
    const first = await start();
    const { owner, chat, sub } = await setup(first);
    const message = await send(first, owner, chat.id, 'before the restart');
    await fanoutQueued(first, chat.id);
    await stop(first);
    expect(push.pushesOf(sub)).toEqual([]);
    await start();

    await pushedOnce(sub, chat.id, message);
  });

  it('finds a message whose fan-out was never queued (the process died after the commit) and pushes it once', async () => {
    const first = await start();
    const { owner, chat, sub } = await setup(first);
    const message = await send(first, owner, chat.id, 'lost between commit and queue');
    await fanoutQueued(first, chat.id);
    await stop(first);
    // What a crash right after the commit leaves: the message, and no job for it.
    const db = new Client({ connectionString: database.url });
    await db.connect();
    try {
      const deleted = await db.query(
        `DELETE FROM pgboss.job WHERE name = 'push-fanout' AND singleton_key = $1`,
        [String(chat.id)],
      );
      expect(deleted.rowCount).toBe(1);
    } finally {
      await db.end();
    }
    // The next instance's sweep at start finds the chat behind its push cursor.
    const second = await start();

    await pushedOnce(sub, chat.id, message);

    // Fanned out: the cursor moved, and one more restart sends nothing again.
    await stop(second);
    await start();
    await pause(3000);
    expect(push.pushesOf(sub)).toHaveLength(1);
  }, 30_000);
});

/**
 * The same with a real crash: the service as production runs it (its own process, trusting the
 * local push service through NODE_EXTRA_CA_CERTS), killed with SIGKILL right after it answered
 * the send, whether or not it had queued the fan-out by then; the next process pushes it once.
 */
describe('Web Push across a crash (e2e, service processes)', () => {
  let push: LocalPushService;
  let build: string | undefined;
  let service: ServiceProcess | undefined;
  let database: { url: string; drop: () => Promise<void> };

  beforeAll(async () => {
    [push, build, database] = await Promise.all([
      startPushService(),
      buildService(),
      ownDatabase('chat_push_crash'),
    ]);
  }, 120_000);
  afterEach(async () => {
    service?.child.kill('SIGKILL');
    await service?.exited;
    service = undefined;
  });
  afterAll(async () => {
    await removeBuild(build);
    await push?.close();
    await database?.drop();
  });

  const run = async (): Promise<TestApp> => {
    service = await startService(build!, {
      DATABASE_URL: database.url,
      PUSH_ENDPOINT_HOSTS: push.host,
      NODE_EXTRA_CA_CERTS: push.caFile,
      PUSH_COALESCE_MS: '500',
      PUSH_POLL_INTERVAL_MS: '500',
    });
    const origin = service.origin;
    return { origin, http: () => request(origin) } as TestApp;
  };

  it('pushes a message once after the process that took it was killed right after answering', async () => {
    const first = await run();
    const [owner, member] = await Promise.all([registerUser(first), registerUser(first)]);
    const chat = await createChat(first, owner, [member], { title: 'crash' });
    const sub = push.subscribe();
    await subscribePush(first, member, sub);
    const message = await send(first, owner, chat.id, 'sent just before the crash');
    service!.child.kill('SIGKILL');
    await service!.exited;
    expect(push.pushesOf(sub)).toEqual([]);

    await run();
    const received = await push.waitFor(sub, 1, 10_000);
    expect(received.payload).toMatchObject({
      chat_id: chat.id,
      message_id: message.id,
      body: message.content,
    });
    await pause(2500);
    expect(push.pushesOf(sub)).toHaveLength(1);
    expect(push.rejected).toEqual([]);
  }, 30_000);
});
