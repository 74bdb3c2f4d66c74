import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { ProbeReply } from './probe';

export const ROOT = join(__dirname, '..', '..', '..');
const PROBE = join(__dirname, 'probe.js');

/** A server the bench started: the service or the bare baseline. */
export interface ServerProcess {
  name: string;
  pid: number;
  origin: string;
  /** Memory and CPU of the process, after two full collections when `gc` is set. */
  probe(gc?: boolean): Promise<ProbeReply>;
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  /** The script to run, relative to the repository root. */
  script: string;
  env: Record<string, string>;
  /** Path polled until it answers 200. */
  readyPath: string;
  logDir: string;
  /** Write a V8 CPU profile (`--cpu-prof`) into this folder on exit. */
  cpuProfileDir?: string;
  /** Node options the server runs with (the service's: SERVICE_NODE_FLAGS). */
  nodeFlags?: readonly string[];
}

/** A free loopback port (the servers are told their port: the service logs the one it was given). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

async function waitReady(child: ChildProcess, url: string, logPath: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${url} exited with code ${child.exitCode} before it was ready:\n${tail(logPath)}`);
    }
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} was not ready within 90 s:\n${tail(logPath)}`);
}

export async function startServer(options: StartOptions): Promise<ServerProcess> {
  mkdirSync(options.logDir, { recursive: true });
  const port = await freePort();
  const logPath = join(options.logDir, `${options.name}.log`);
  // The child writes its log straight into the file: piping it through the bench would cost the
  // load generator a read and a write per log line.
  const log = openSync(logPath, 'w');
  const nodeArgs = ['--expose-gc', ...(options.nodeFlags ?? []), '--require', PROBE];
  if (options.cpuProfileDir) {
    mkdirSync(options.cpuProfileDir, { recursive: true });
    nodeArgs.push(
      '--cpu-prof',
      '--cpu-prof-dir',
      options.cpuProfileDir,
      '--cpu-prof-name',
      `${options.name}.cpuprofile`,
    );
  }
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, options.script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...options.env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', log, log, 'ipc'],
  });
  closeSync(log);
  const origin = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let nextId = 1;
  const pending = new Map<number, (reply: ProbeReply) => void>();
  child.on('message', (reply: ProbeReply) => {
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });

  try {
    await waitReady(child, origin + options.readyPath, logPath);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  return {
    name: options.name,
    pid: child.pid!,
    origin,
    probe: (gc = false) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => reject(new Error(`${options.name}: no probe reply`)), 30_000);
        pending.set(id, (reply) => {
          clearTimeout(timer);
          resolve(reply);
        });
        child.send({ type: 'probe', id, gc });
      }),
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
      if (!killed) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** CPU time of the process in milliseconds. */
export function cpuMs(reply: ProbeReply): number {
  return (reply.cpuUserUs + reply.cpuSystemUs) / 1000;
}
