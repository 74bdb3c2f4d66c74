import type { EventEmitter } from 'node:events';

/** What {@link LogBatching} needs of pino's destination (a sonic-boom stream with `minLength`). */
export interface BatchedDestination extends EventEmitter {
  flush(): void;
}

/**
 * Writes the log lines a sonic-boom destination buffers (`minLength`) at most `delayMs` after the
 * first of them. sonic-boom writes out a buffer once it holds `minLength` bytes; below that, its
 * lines would wait for the next ones. Without a buffer, every line is a write of its own, handed
 * to libuv's thread pool: at a hundred requests a second that hand-off cost ~100 µs of CPU per
 * request line, more than building the line (bench/http-cpu.ts, docs/bench-results.md).
 *
 * The timer is armed by a line, never by the clock, so an idle process does not wake for it.
 * The buffered byte count follows sonic-boom's `write` events; a line still buffered behind a
 * write that was in flight when the timer fired is written once that write drains.
 */
export class LogBatching {
  /** Bytes handed to the destination and not yet written out. */
  private buffered = 0;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly destination: BatchedDestination,
    private readonly delayMs: number,
  ) {
    destination.on('write', (bytes: number) => {
      // Nothing written: nothing was buffered, whatever the count said (the next line recounts).
      this.buffered = bytes > 0 ? Math.max(0, this.buffered - bytes) : 0;
    });
    destination.on('drain', () => {
      if (this.buffered > 0) this.arm();
    });
    // Ended or destroyed: a flush would throw.
    destination.on('close', () => {
      this.closed = true;
      clearTimeout(this.timer);
      this.timer = undefined;
    });
  }

  /** For pino's `streamWrite` hook: `line` goes to the destination now; it is written by the deadline. */
  lineWritten(line: string): string {
    this.buffered += Buffer.byteLength(line);
    this.arm();
    return line;
  }

  /** Everything buffered was written out synchronously (sonic-boom's `flushSync`). */
  flushedSync(): void {
    this.buffered = 0;
  }

  private arm(): void {
    if (this.closed) return;
    this.timer ??= setTimeout(() => this.writeOut(), this.delayMs).unref();
  }

  private writeOut(): void {
    this.timer = undefined;
    if (this.buffered > 0 && !this.closed) this.destination.flush();
  }
}
