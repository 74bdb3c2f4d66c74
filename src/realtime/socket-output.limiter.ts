import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app.config';
import { MetricsService } from '../observability/metrics.service';
import type { RealtimeIo, RealtimeSocket } from './realtime.server';

/**
 * What engine.io keeps of a connection's output that its public API does not show: the packets
 * waiting for the transport (`writeBuffer`: they pile up there while the websocket has not taken
 * the previous batch) and, on the websocket transport, the `ws` socket whose `bufferedAmount` is
 * what it has accepted and not yet written to the kernel. test/realtime-connection-limits.e2e-spec.ts pins
 * this: a client that stops reading is dropped.
 */
interface EngineConnection {
  writeBuffer: { data?: string | Buffer | ArrayBuffer }[];
  transport: { name: string; socket?: { bufferedAmount: number; readyState: number; terminate(): void } };
}

const engineOf = (socket: RealtimeSocket): EngineConnection => socket.conn as unknown as EngineConnection;

/**
 * Output queued in this process for the socket and not yet taken by its client, in bytes
 * (a string packet counts one byte per UTF-16 unit: an estimate, cheap to take). Counting stops
 * once past `atMost`, so a long queue costs no more than the cap it is checked against.
 */
export function unsentBytes(socket: RealtimeSocket, atMost = Number.POSITIVE_INFINITY): number {
  const { writeBuffer, transport } = engineOf(socket);
  let bytes = transport.name === 'websocket' ? (transport.socket?.bufferedAmount ?? 0) : 0;
  for (let i = 0; i < writeBuffer.length && bytes <= atMost; i++) {
    const data = writeBuffer[i].data;
    if (data !== undefined) bytes += typeof data === 'string' ? data.length : data.byteLength;
  }
  return bytes;
}

/** `ws`'s WebSocket.OPEN. */
const WS_OPEN = 1;

/**
 * Drops the connection now, with what it has queued (a graceful close would wait for the client
 * to read it); false when it is already closing (the socket is let go once the close is seen).
 */
function drop(socket: RealtimeSocket): boolean {
  const { transport } = engineOf(socket);
  if (transport.name === 'websocket' && transport.socket) {
    if (transport.socket.readyState !== WS_OPEN) return false;
    transport.socket.terminate();
  } else {
    if (socket.conn.readyState !== 'open') return false;
    socket.conn.close(true);
  }
  return true;
}

/** How often every socket's unsent output is checked, for output that no ack of its own follows. */
export const OUTPUT_CHECK_INTERVAL_MS = 1000;

/**
 * The cap on a socket's unsent output (SOCKET_MAX_UNSENT_BYTES): a client that does not read is
 * disconnected instead of having its events, acks and sync pages buffered without end. Checked
 * right after each ack (a flood of `chat:sync` is caught on the ack that crosses the cap) and, for
 * room events, once a second over all sockets by one timer: nothing is kept per socket.
 */
@Injectable()
export class SocketOutputLimit implements OnModuleDestroy {
  private readonly log = new Logger('SocketOutputLimit');
  private readonly maxUnsentBytes: number;
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly metrics: MetricsService,
    config: AppConfig,
  ) {
    this.maxUnsentBytes = config.socketLimits.maxUnsentBytes;
  }

  watch(io: RealtimeIo): void {
    this.sweeper ??= setInterval(() => {
      for (const socket of io.of('/').sockets.values()) this.check(socket);
    }, OUTPUT_CHECK_INTERVAL_MS).unref();
  }

  /** Drops the socket when its unsent output is past the cap; true when it did so now. */
  check(socket: RealtimeSocket): boolean {
    const bytes = unsentBytes(socket, this.maxUnsentBytes);
    if (bytes <= this.maxUnsentBytes || !drop(socket)) return false;
    this.metrics.socketLimited('unsent_output');
    this.log.warn(
      `Dropped socket ${socket.id} of user ${socket.data.user.id}: over ${this.maxUnsentBytes} bytes unsent`,
    );
    return true;
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
