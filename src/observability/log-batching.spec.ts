import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SonicBoom from 'sonic-boom';
import { LogBatching } from './log-batching';

const DELAY_MS = 40;

describe('LogBatching', () => {
  let dir: string;
  let file: string;
  let destination: SonicBoom;
  let writes: number[];
  let batching: LogBatching;
  let closed: boolean;

  /** As pino does: the streamWrite hook, then the destination's write. */
  const log = (line: string) => destination.write(batching.lineWritten(line));

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'log-batching-'));
    file = join(dir, 'out.log');
    destination = new SonicBoom({ dest: file, sync: false, minLength: 8 * 1024 });
    await new Promise((ready) => destination.once('ready', ready));
    closed = false;
    destination.once('close', () => (closed = true));
    writes = [];
    destination.on('write', (bytes: number) => writes.push(bytes));
    batching = new LogBatching(destination, DELAY_MS);
  });

  afterEach(async () => {
    if (!closed) {
      await new Promise((closed) => {
        destination.once('close', closed);
        destination.end();
      });
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the lines of a batch together, once, within the delay of the first', async () => {
    const lines = ['{"n":1}\n', '{"n":2,"text":"кот"}\n', '{"n":3}\n'];
    for (const line of lines) log(line);
    await sleep(5);
    expect(readFileSync(file, 'utf8')).toBe('');
    await sleep(DELAY_MS * 3);
    expect(readFileSync(file, 'utf8')).toBe(lines.join(''));
    expect(writes).toEqual([Buffer.byteLength(lines.join(''))]);
  });

  it('does not wake to write when nothing is buffered (no empty writes once idle)', async () => {
    log('{"n":1}\n');
    await sleep(DELAY_MS * 2);
    expect(writes).toHaveLength(1);
    await sleep(DELAY_MS * 4);
    expect(writes).toHaveLength(1);
    log('{"n":2}\n');
    await sleep(DELAY_MS * 2);
    expect(readFileSync(file, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
    expect(writes).toHaveLength(2);
  });

  it('keeps nothing back after a synchronous flush', async () => {
    log('{"n":1}\n');
    destination.flushSync();
    batching.flushedSync();
    expect(readFileSync(file, 'utf8')).toBe('{"n":1}\n');
    await sleep(DELAY_MS * 3);
    expect(writes).toEqual([]);
  });

  it('stops its timer when the destination closes', async () => {
    log('{"n":1}\n');
    await new Promise((closed) => {
      destination.once('close', closed);
      destination.end();
    });
    await sleep(DELAY_MS * 2);
    expect(readFileSync(file, 'utf8')).toBe('{"n":1}\n');
  });
});

/** A destination whose writes complete when the test says (sonic-boom's events, no file). */
class SlowDestination extends EventEmitter {
  flushes = 0;

  flush(): void {
    this.flushes += 1;
  }

  /** The write in flight completes, having written `written`. */
  complete(written: string): void {
    this.emit('write', Buffer.byteLength(written));
    this.emit('drain');
  }
}

describe('LogBatching behind a write in flight', () => {
  it('writes a line that waited behind a write in flight once that write drains', async () => {
    const destination = new SlowDestination();
    const batching = new LogBatching(destination, DELAY_MS);
    const first = '{"n":1}\n';
    batching.lineWritten(first);
    await sleep(DELAY_MS * 2);
    expect(destination.flushes).toBe(1);
    // The first batch's write is in flight; a line arrives and the timer fires during it.
    const second = '{"n":2}\n';
    batching.lineWritten(second);
    await sleep(DELAY_MS * 2);
    expect(destination.flushes).toBe(2);
    destination.complete(first);
    await sleep(DELAY_MS * 2);
    expect(destination.flushes).toBe(3);
    destination.complete(second);
    await sleep(DELAY_MS * 3);
    expect(destination.flushes).toBe(3);
  });
});
