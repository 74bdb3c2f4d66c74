import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app.config';
import { RealtimeServer } from '../realtime/realtime.server';
import { LifecycleService } from './lifecycle.service';

/**
 * Stops serving without losing acknowledged work: readiness goes 503 at once; after
 * SHUTDOWN_DELAY_SECONDS (for load balancers to notice) new connections and new socket events
 * are refused; requests and socket events in flight finish and are acknowledged; then this
 * instance's sockets are closed at the transport level (socket.io-client reconnects by itself,
 * through the load balancer to another instance, and resyncs with chat:sync), and Nest closes
 * the HTTP server, Redis and last the database pool.
 */
export async function drainAndClose(app: INestApplication, config: AppConfig, log: Logger): Promise<void> {
  const lifecycle = app.get(LifecycleService);
  const server = app.getHttpServer() as Server;
  lifecycle.startDraining();
  log.info({ in_flight: lifecycle.workInFlight }, 'Draining: readiness answers 503');
  if (config.shutdownDelaySeconds > 0) await sleep(config.shutdownDelaySeconds * 1000);
  lifecycle.startClosing();
  server.close();
  const idle = await lifecycle.whenIdle(config.shutdownTimeoutSeconds * 1000);
  if (idle) {
    log.info('Drained: no request or socket event in flight');
    server.closeIdleConnections();
  } else {
    log.warn(
      { in_flight: lifecycle.workInFlight },
      `Work still in flight after SHUTDOWN_TIMEOUT_SECONDS=${config.shutdownTimeoutSeconds}: closing anyway`,
    );
    server.closeAllConnections();
  }
  const realtime = app.get(RealtimeServer, { strict: false });
  if (realtime.ready) await closeTransports(realtime.io);
  await app.close();
}

/** The most the sockets' last acknowledgements may take to leave before their connections are cut. */
export const SOCKET_FLUSH_TIMEOUT_MS = 2000;

/**
 * Closes every socket's connection at the transport once what it has queued was written: the
 * acknowledgement of an event that finished just now may still wait in engine.io's buffer behind
 * a write the client has not taken yet, and `engine.close()` discards that buffer (the message
 * committed, its ack lost). Not disconnectSockets(): it sends a DISCONNECT packet first, after
 * which clients stay away instead of reconnecting to another instance. A client that does not
 * read within SOCKET_FLUSH_TIMEOUT_MS is cut off with what it has queued.
 */
async function closeTransports(io: RealtimeServer['io']): Promise<void> {
  const closed = [...io.of('/').sockets.values()].map(
    (socket) =>
      new Promise<void>((resolve) => {
        if (socket.conn.readyState === 'closed') return resolve();
        socket.conn.once('close', () => resolve());
        socket.conn.close();
      }),
  );
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, SOCKET_FLUSH_TIMEOUT_MS).unref());
  await Promise.race([Promise.all(closed), timeout]);
  io.engine.close();
}
