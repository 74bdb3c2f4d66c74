import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SERVICE_NODE_FLAGS } from '../../src/node-flags';
import { TEST_JWT_SECRET } from './app.fixture';

const ROOT = join(__dirname, '../..');

/** A VAPID key pair (web-push generate-vapid-keys) for the tests' production-mode processes. */
export const TEST_VAPID = {
  VAPID_PUBLIC_KEY: 'BH7dlt3bt--ExpNVvlDZmmnsC842en6dajO9sim225ZKFCUWEArpy7jv-o986cPSB0ksmZNvjVJ4OMvYJzGKTQY',
  VAPID_PRIVATE_KEY: 'Y0g4xwcjVQrRoYElR4Otzw3PnNjWIEipsQcl7AJxQ44',
  VAPID_SUBJECT: 'mailto:tests@rescue-chat.invalid',
};

/** One JSON log line of the service. */
export type LogLine = Record<string, unknown> & { level: string; msg: string };

export interface ServiceProcess {
  origin: string;
  child: ChildProcess;
  /** Every stdout line so far, as printed. */
  stdout: string[];
  stderr: string[];
  /** The stdout lines parsed as JSON (throws on a line that is not). */
  logs(): LogLine[];
  /**
   * The first line that passes `test`, once it is printed: the service writes its lines in
   * batches, up to ~100 ms after they were logged. Rejects after `timeoutMs`.
   */
  logged(test: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Compiles the service as production does (`tsc -p tsconfig.build.json`) into a folder of its
 * own under .data, so a test runs the real build without touching dist/. Returns the folder.
 */
export async function buildService(): Promise<string> {
  await mkdir(join(ROOT, '.data'), { recursive: true });
  const outDir = await mkdtemp(join(ROOT, '.data', 'e2e-build-'));
  try {
    await promisify(execFile)(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir],
      { cwd: ROOT },
    );
  } catch (error) {
    await removeBuild(outDir);
    throw new Error(`the build failed:\n${(error as { stdout?: string }).stdout ?? String(error)}`, {
      cause: error,
    });
  }
  return outDir;
}

export async function removeBuild(outDir: string | undefined): Promise<void> {
  if (outDir) await rm(outDir, { recursive: true, force: true });
}

/**
 * Starts `node <SERVICE_NODE_FLAGS> <build>/src/main.js` (as the image does) on the run's test
 * database and a free port, and resolves once it logs that it listens. The caller stops it
 * (signal) and awaits `exited`.
 */
export function startService(outDir: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
  const databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl) throw new Error('TEST_DATABASE_URL is not set: run the e2e tests through jest');
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, join(outDir, 'src/main.js')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '5',
      MIGRATIONS_RUN: 'false',
      JWT_SECRET: TEST_JWT_SECRET,
      RATE_LIMIT_MAX: '1000000',
      AUTH_RATE_LIMIT_MAX: '1000000',
      AUTH_USERNAME_RATE_LIMIT_MAX: '1000000',
      SOCKET_HANDSHAKES_PER_ADDRESS: '1000000',
      CHAT_CREATE_RATE_LIMIT: '1000000,1',
      MEMBER_ADD_RATE_LIMIT: '1000000,1',
      // Production requires a VAPID key pair (Web Push): one made for the tests.
      ...TEST_VAPID,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const collect = (into: string[], onLine?: (line: string) => void) => {
    let partial = '';
    return (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        into.push(line);
        onLine?.(line);
      }
    };
  };
  return new Promise((resolve, reject) => {
    const service: Omit<ServiceProcess, 'origin'> = {
      child,
      stdout,
      stderr,
      exited,
      logs: () => stdout.map((line) => JSON.parse(line) as LogLine),
      logged: async (test, timeoutMs = 2000) => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const line = service.logs().find(test);
          if (line) return line;
          if (Date.now() > deadline) throw new Error(`no such log line within ${timeoutMs} ms`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
    };
    child.stdout.on(
      'data',
      collect(stdout, (line) => {
        const port = /"port":(\d+)/.exec(line)?.[1];
        if (port && line.includes('Listening on')) {
          resolve({ ...service, origin: `http://127.0.0.1:${port}` });
        }
      }),
    );
    child.stderr.on('data', collect(stderr));
    void exited.then(({ code }) =>
      reject(new Error(`service exited (${code}) before listening:\n${[...stdout, ...stderr].join('\n')}`)),
    );
  });
}
