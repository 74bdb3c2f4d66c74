import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { io } from 'socket.io-client';
import request from 'supertest';
import {
  buildService,
  LogLine,
  removeBuild,
  ServiceProcess,
  startService,
  TEST_VAPID,
} from './support/service-process.fixture';
import { request as ask, type ClientSocket } from './support/sockets.helpers';

const API = '/api/v1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const secret = (label: string): string => `${label}${randomBytes(6).toString('hex')}`;

interface Session {
  id: number;
  access_token: string;
  refresh_token: string;
}

/**
 * What the service prints, read from the real process' stdout: JSON lines carrying the request
 * id through the request and through socket events, and never a credential or a message text.
 */
describe('structured logs of the real process (e2e)', () => {
  const password = secret('pw-');
  const content = secret('CONTENT');
  const socketContent = secret('SOCKETCONTENT');
  const searchTerm = secret('SEARCH');
  const secrets: string[] = [password, content, socketContent, searchTerm];
  let build: string;
  let service: ServiceProcess;
  let logs: LogLine[];
  const answers: Record<string, request.Response> = {};
  let ackRequestIdFree: boolean;

  const http = () => request(service.origin);
  const lineOf = (reqId: string): LogLine[] => logs.filter((line) => line.req_id === reqId);

  beforeAll(async () => {
    build = await buildService();
    service = await startService(build, { LOG_LEVEL: 'debug', AUTH_RATE_LIMIT_MAX: '3' });

    const register = async (name: string, requestId?: string): Promise<Session> => {
      const req = http().post(`${API}/auth/register`);
      if (requestId) void req.set('X-Request-Id', requestId);
      const res = await req.send({ username: secret(`${name}_`), password }).expect(201);
      answers[`register ${name}`] = res;
      const body = res.body as { user: { id: number }; access_token: string; refresh_token: string };
      secrets.push(body.access_token, body.refresh_token);
      return { id: body.user.id, ...body };
    };
    const alice = await register('alice', 'client-id:42');
    const bob = await register('bob');
    const aliceName = (answers['register alice'].body as { user: { username: string } }).user.username;

    answers.me = await http()
      .get(`${API}/users/me`)
      .set('Authorization', `Bearer ${alice.access_token}`)
      .set('X-Request-Id', 'not a valid id')
      .expect(200);
    for (let n = 1; n <= 3; n += 1) {
      const res = await http().post(`${API}/auth/login`).send({ username: aliceName, password }).expect(200);
      secrets.push((res.body as Session).access_token, (res.body as Session).refresh_token);
    }
    answers.throttled = await http()
      .post(`${API}/auth/login`)
      .set('X-Request-Id', 'throttled-1')
      .send({ username: aliceName, password })
      .expect(429);
    const refreshed = await http()
      .post(`${API}/auth/refresh`)
      .send({ refresh_token: bob.refresh_token })
      .expect(200);
    secrets.push((refreshed.body as Session).access_token, (refreshed.body as Session).refresh_token);

    const chat = await http()
      .post(`${API}/chats`)
      .set('Authorization', `Bearer ${alice.access_token}`)
      .send({ member_ids: [bob.id] })
      .expect(201);
    const chatId = (chat.body as { id: number }).id;
    await http()
      .post(`${API}/chats/${chatId}/messages`)
      .set('Authorization', `Bearer ${alice.access_token}`)
      .send({ content })
      .expect(201);
    await http()
      .get(`${API}/chats/${chatId}/messages`)
      .query({ query: searchTerm })
      .set('Authorization', `Bearer ${alice.access_token}`)
      .expect(200);
    answers.malformed = await http()
      .post(`${API}/auth/login`)
      .set('Content-Type', 'application/json')
      .set('X-Request-Id', 'malformed-1')
      .send(`{"username": "${aliceName}", "password": "${password}"`)
      .expect(400);
    answers.oversized = await http()
      .post(`${API}/chats/${chatId}/messages`)
      .set('Authorization', `Bearer ${alice.access_token}`)
      .set('X-Request-Id', 'oversized-1')
      .send({ content: `${content} ${'x'.repeat(70_000)}` })
      .expect(413);

    const socket: ClientSocket = io(service.origin, {
      auth: { token: bob.access_token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    const ack = await ask(socket, 'message:send', { chat_id: chatId, content: socketContent });
    expect(ack.ok).toBe(true);
    const refused = await ask(socket, 'message:send', { chat_id: chatId + 1000, content: socketContent });
    expect(refused.ok).toBe(false);
    ackRequestIdFree = !JSON.stringify([ack, refused]).includes('req_id');
    socket.disconnect();

    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });
    logs = service.logs();
  }, 120_000);
  afterAll(async () => {
    if (service?.child.exitCode === null) service.child.kill('SIGKILL');
    await removeBuild(build);
  });

  it('prints one JSON object per line, with a level name, an ISO time and a message', () => {
    expect(logs.length).toBeGreaterThan(10);
    for (const line of logs) {
      expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).toContain(line.level);
      expect(typeof line.time === 'string' && !Number.isNaN(Date.parse(line.time))).toBe(true);
      expect(typeof line.msg).toBe('string');
    }
    expect(service.stderr.filter((line) => line.trim() !== '')).toEqual([]);
  });

  it('keeps a well-formed incoming X-Request-Id, echoes it and logs the request under it', () => {
    expect(answers['register alice'].headers['x-request-id']).toBe('client-id:42');
    expect(lineOf('client-id:42')).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: 'POST /api/v1/auth/register 201',
        req: { method: 'POST', path: '/api/v1/auth/register' },
        res: { status: 201 },
        route: '/api/v1/auth/register',
        duration_ms: expect.any(Number),
      }),
    ]);
  });

  it('generates a UUID when the header is missing or malformed, and names the user and route pattern', () => {
    const generated = answers['register bob'].headers['x-request-id'];
    expect(generated).toMatch(UUID);
    expect(lineOf(generated)).toHaveLength(1);
    const replaced = answers.me.headers['x-request-id'];
    expect(replaced).toMatch(UUID);
    expect(lineOf(replaced)).toEqual([
      expect.objectContaining({ msg: 'GET /api/v1/users/me 200', user_id: expect.any(Number) }),
    ]);
    expect(logs.some((line) => line.req_id === 'not a valid id')).toBe(false);
  });

  it('carries the request id into lines logged while serving it (the rate limiter warning)', () => {
    expect(answers.throttled.body).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(lineOf('throttled-1')).toEqual([
      expect.objectContaining({
        level: 'warn',
        context: 'RateLimit',
        msg: expect.stringMatching(/^Rate limit of 3/),
      }),
      expect.objectContaining({ msg: 'POST /api/v1/auth/login 429' }),
    ]);
  });

  it('logs bodies refused before routing (malformed 400, oversized 413) under their request id', () => {
    expect(answers.malformed.headers['x-request-id']).toBe('malformed-1');
    expect(lineOf('malformed-1')).toEqual([
      expect.objectContaining({ res: { status: 400 }, route: 'unmatched' }),
    ]);
    expect(lineOf('oversized-1')).toEqual([expect.objectContaining({ res: { status: 413 } })]);
  });

  it('gives each socket event a request id, with the socket, user, event and outcome', () => {
    const events = logs.filter((line) => line.context === 'Socket');
    expect(events).toEqual([
      expect.objectContaining({
        msg: 'socket message:send ok',
        event: 'message:send',
        outcome: 'ok',
        user_id: expect.any(Number),
        socket_id: expect.any(String),
        req_id: expect.stringMatching(UUID),
      }),
      expect.objectContaining({ msg: 'socket message:send error', outcome: 'error' }),
    ]);
    expect(events[0].req_id).not.toBe(events[1].req_id);
    expect(ackRequestIdFree).toBe(true);
  });

  it('never prints a password, token, refresh token, message text or search term', () => {
    const printed = [...service.stdout, ...service.stderr].join('\n');
    for (const value of secrets) expect(printed).not.toContain(value);
    expect(printed).not.toMatch(/bearer /i);
    expect(secrets.length).toBeGreaterThan(10);
  });

  it('is human-readable (pino-pretty) only for a development run on a terminal', async () => {
    const script = (nodeEnv: string, tty: boolean): Promise<string> => {
      const program =
        `const { createRootLogger } = require(${JSON.stringify(join(build, 'src/observability/root.logger.js'))});` +
        `const { loadConfig } = require(${JSON.stringify(join(build, 'src/config/app.config.js'))});` +
        `createRootLogger(loadConfig({ NODE_ENV: '${nodeEnv}', JWT_SECRET: '${'s'.repeat(40)}', DATABASE_URL: 'postgres://db/chat', ...${JSON.stringify(TEST_VAPID)} })).info('hello');`;
      const run = tty
        ? promisify(execFile)('script', [
            '-qec',
            `${process.execPath} -e "${program.replace(/"/g, '\\"')}"`,
            '/dev/null',
          ])
        : promisify(execFile)(process.execPath, ['-e', program]);
      return run.then(({ stdout }) => stdout.trim());
    };
    const prettyOnTerminal = await script('development', true);
    expect(prettyOnTerminal).toContain('hello');
    expect(prettyOnTerminal).toMatch(/INFO/);
    expect(() => JSON.parse(prettyOnTerminal) as unknown).toThrow();
    expect(JSON.parse(await script('development', false))).toMatchObject({ level: 'info', msg: 'hello' });
    expect(JSON.parse(await script('production', true))).toMatchObject({ level: 'info', msg: 'hello' });
  });
});
