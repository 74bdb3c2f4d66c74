import type { INestApplication } from '@nestjs/common';
import type { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { AppConfig } from '../config/app.config';
import { RealtimeRedis } from './realtime-redis.client';
import type { RealtimeSocket } from './realtime.server';
import { type IoSocket, SharedListenerIoAdapter } from './shared-listener-io.adapter';
import { SocketOutputLimit } from './socket-output.limiter';

/** Largest socket packet accepted; a message is at most 4000 characters (16 KB of UTF-8). */
export const SOCKET_MAX_PAYLOAD_BYTES = 64 * 1024;

type IoServer = ReturnType<IoAdapter['createIOServer']>;
type IoOptions = NonNullable<Parameters<IoAdapter['createIOServer']>[1]>;

/**
 * Socket.IO on the HTTP server with the service's limits and CORS, and, when REDIS_URL is set,
 * the Redis adapter, so that broadcasts and room changes reach the sockets of every instance.
 * Client events are dispatched by {@link SharedListenerIoAdapter} (a measured memory win).
 */
export class RealtimeIoAdapter extends SharedListenerIoAdapter {
  private output?: SocketOutputLimit;

  constructor(private readonly app: INestApplication) {
    super(app);
  }

  override createIOServer(port: number, options?: IoOptions): IoServer {
    const config = this.app.get(AppConfig);
    const server = super.createIOServer(port, {
      ...options,
      serveClient: false,
      maxHttpBufferSize: SOCKET_MAX_PAYLOAD_BYTES,
      cors: { origin: config.corsOrigins, credentials: true },
    } as IoOptions);
    this.output = this.app.get(SocketOutputLimit);
    const redis = this.app.get(RealtimeRedis);
    if (redis.pub) {
      server.adapter(createAdapter(redis.publisher(), redis.subscriber(), { key: redis.key('socket.io') }));
    }
    return server;
  }

  /** The ack that takes a client which does not read past its output cap drops it. */
  protected override acknowledged(socket: IoSocket): void {
    this.output?.check(socket as unknown as RealtimeSocket);
  }
}
