import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, DatabaseError } from 'pg';
import { freePort } from './support/free-port.util';
import { buildService, removeBuild, ServiceProcess, startService } from './support/service-process.fixture';

const ROOT = join(__dirname, '..');
const API = '/api/v1';
const CREDENTIALS = JSON.stringify({ username: 'embedded_user', password: 'correct horse battery' });

/** Undefined when the embedded server accepts the password, else the error code (28P01: wrong password). */
async function connectError(port: number, password: string): Promise<string | undefined> {
  const client = new Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  try {
    await client.connect();
    await client.end();
    return undefined;
  } catch (error) {
    await client.end().catch(() => undefined);
    return error instanceof DatabaseError ? error.code : (error as NodeJS.ErrnoException).code;
  }
}

function post(origin: string, path: string, body: string): Promise<Response> {
  return fetch(`${origin}${API}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
  });
}

describe('zero-configuration start on the embedded PostgreSQL (real process)', () => {
  let build: string;
  let folder: string;
  let dataDir: string;
  let passwordFile: string;
  let port: number;
  let service: ServiceProcess | undefined;

  const start = async (): Promise<ServiceProcess> =>
    (service = await startService(build, {
      DATABASE_URL: '',
      NODE_ENV: 'development',
      MIGRATIONS_RUN: 'true',
      EMBEDDED_PG_DIR: dataDir,
      EMBEDDED_PG_PORT: String(port),
      SHUTDOWN_DELAY_SECONDS: '1',
    }));

  beforeAll(async () => {
    build = await buildService();
    await mkdir(join(ROOT, '.data'), { recursive: true });
    folder = await mkdtemp(join(ROOT, '.data', 'e2e-embedded-'));
    dataDir = join(folder, 'postgres');
    passwordFile = `${dataDir}.password`;
    port = await freePort();
  }, 120_000);

  afterEach(async () => {
    if (service?.child.exitCode === null) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });

  afterAll(async () => {
    // Only if a test failed half-way: the server this suite started, by the PID it wrote.
    const pidFile = join(dataDir, 'postmaster.pid');
    if (existsSync(pidFile)) process.kill(Number((await readFile(pidFile, 'utf8')).split('\n')[0]), 'SIGINT');
    await rm(folder, { recursive: true, force: true });
    await removeBuild(build);
  });

  it('keeps a random password in a 0600 file; on SIGTERM drains, then stops the database, then exits 0', async () => {
    const { origin, child } = await start();
    expect((await stat(passwordFile)).mode & 0o777).toBe(0o600);
    const password = (await readFile(passwordFile, 'utf8')).trim();
    expect(password).toMatch(/^[0-9a-f]{48}$/);
    expect(await connectError(port, password)).toBeUndefined();
    expect(await connectError(port, 'postgres')).toBe('28P01');
    expect((await post(origin, '/auth/register', CREDENTIALS)).status).toBe(201);

    child.kill('SIGTERM');
    let ready = await fetch(`${origin}/health/ready`);
    for (let tries = 0; ready.status === 200 && tries < 100; tries += 1) {
      ready = await fetch(`${origin}/health/ready`);
    }
    // Draining, and the database is still there for the work being finished.
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      details: { serving: { status: 'down' }, database: { status: 'up' } },
    });
    expect((await post(origin, '/auth/login', CREDENTIALS)).status).toBe(200);

    expect(await service!.exited).toEqual({ code: 0, signal: null });
    const logged = service!.logs().map((line) => line.msg);
    const order = ['SIGTERM received, shutting down', 'Drained: no request or socket event in flight'];
    order.push('Embedded PostgreSQL stopped', 'Stopped');
    expect(logged.filter((msg) => order.includes(msg))).toEqual(order);
    expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(false);
    expect(await connectError(port, password)).toBe('ECONNREFUSED');
  }, 120_000);

  it('moves a data folder from before the password file (postgres/postgres) to a random password', async () => {
    // Give the folder of the first test the old fixed password, and forget the file.
    await start();
    const admin = new Client({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password: (await readFile(passwordFile, 'utf8')).trim(),
      database: 'postgres',
    });
    await admin.connect();
    await admin.query(`ALTER ROLE postgres PASSWORD 'postgres'`);
    await admin.end();
    service!.child.kill('SIGTERM');
    expect(await service!.exited).toEqual({ code: 0, signal: null });
    await rm(passwordFile);

    const { origin } = await start();
    expect((await stat(passwordFile)).mode & 0o777).toBe(0o600);
    const password = (await readFile(passwordFile, 'utf8')).trim();
    expect(await connectError(port, password)).toBeUndefined();
    expect(await connectError(port, 'postgres')).toBe('28P01');
    // The data is the same: the user of the first test logs in.
    expect((await post(origin, '/auth/login', CREDENTIALS)).status).toBe(200);
  }, 120_000);
});
