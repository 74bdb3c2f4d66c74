import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once a line of the child's output matches, rejects if it exits first. */
function outputMatches(child: ChildProcess, pattern: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (pattern.test(output)) {
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`${what} exited (${code}) before it was ready:\n${output}`)),
    );
  });
}

async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

/** A redis-server of the test's own on a port of its own, without persistence. */
export class PrivateRedis {
  private child?: ChildProcess;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again) on the same port. */
  async restart(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    await outputMatches(child, /Ready to accept connections/, 'redis-server');
  }

  /** Killed at once (SIGKILL), as a crash would. */
  async kill(): Promise<void> {
    await stopChild(this.child, 'SIGKILL');
  }
}

/**
 * A PostgreSQL cluster of the test's own (initdb in a temporary folder, a port of its own), its
 * postmaster a child of the test, so the test can stop, restart, freeze and thaw it. As root it
 * runs as the `postgres` system user, which PostgreSQL requires.
 */
export class PrivatePostgres {
  private postmaster?: ChildProcess;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const dir = await mkdtemp(join(tmpdir(), 'rescue-chat-pg-'));
    const pg = new PrivatePostgres(dir, await freePort());
    const owner = asPostgres();
    if (owner.uid !== undefined) await chown(dir, owner.uid, owner.gid!);
    await promisify(execFile)(
      join(PG_BIN, 'initdb'),
      ['-D', pg.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'],
      owner,
    );
    await pg.restart();
    return pg;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  urlFor(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Starts the postmaster (again), on the same port and data. */
  async restart(): Promise<void> {
    const args = ['-D', this.dataDir, '-p', String(this.port), '-k', this.dir];
    const settings = ['listen_addresses=127.0.0.1', 'fsync=off', 'max_connections=50'];
    for (const setting of settings) args.push('-c', setting);
    const child = spawn(join(PG_BIN, 'postgres'), args, {
      ...asPostgres(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.postmaster = child;
    await outputMatches(child, /database system is ready to accept connections/, 'postgres');
  }

  /** Immediate shutdown (SIGQUIT, what `pg_ctl stop -m immediate` sends): no checkpoint, clients cut off. */
  async stopImmediately(): Promise<void> {
    await stopChild(this.postmaster, 'SIGQUIT');
  }

  /** Every process of the cluster stopped (SIGSTOP): connections stay open and nothing answers. */
  async freeze(): Promise<void> {
    await this.signalAll('SIGSTOP');
  }

  async thaw(): Promise<void> {
    await this.signalAll('SIGCONT');
  }

  async destroy(): Promise<void> {
    await this.thaw().catch(() => undefined);
    await stopChild(this.postmaster, 'SIGQUIT');
    await rm(this.dir, { recursive: true, force: true });
  }

  /** The postmaster and its children (backends, background workers), by their parent's PID. */
  private async signalAll(signal: NodeJS.Signals): Promise<void> {
    const postmaster = this.postmaster?.pid;
    if (postmaster === undefined || this.postmaster?.exitCode !== null) return;
    const pids = [postmaster, ...(await childrenOf(postmaster))];
    for (const pid of pids) process.kill(pid, signal);
  }
}

async function childrenOf(parent: number): Promise<number[]> {
  const children = await readFile(`/proc/${parent}/task/${parent}/children`, 'utf8');
  return children
    .trim()
    .split(/\s+/)
    .filter((pid) => pid !== '')
    .map(Number);
}

/** Spawn options that run a PostgreSQL binary as `postgres` when the test runs as root. */
function asPostgres(): { uid?: number; gid?: number } {
  if (userInfo().uid !== 0) return {};
  const id = (flag: string): number =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}
