import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Observable, throwError } from 'rxjs';
import { DomainError } from '../common/errors/domain.errors';
import { ServingState } from './serving-state.service';

/** What the realtime handshake leaves on an accepted socket. */
interface IdentifiedSocket {
  id: string;
  data?: { user?: { id: number } };
}

/** Sent several times a second while someone types: kept out of the info log. */
const CHATTY_EVENTS = new Set(['typing']);

/**
 * For every client socket event, what the HTTP logger does for a request: a fresh `req_id` bound
 * (with the socket, user and event) to every line logged while handling it, one line when it is
 * done, and the event counted as in-flight work so a shutdown waits for its acknowledgement.
 * Once the instance is closing, new events are refused with 503 (the client resends after it
 * reconnects to another instance), so the in-flight count can reach zero under load.
 * Bound to the gateway (first of its interceptors), so HTTP requests never pass through it.
 */
@Injectable()
export class SocketContextInterceptor implements NestInterceptor {
  constructor(
    private readonly lifecycle: ServingState,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('Socket');
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'ws') return next.handle();
    const ws = context.switchToWs();
    const socket = ws.getClient<IdentifiedSocket>();
    const event = ws.getPattern();
    const bindings = { req_id: randomUUID(), socket_id: socket.id, user_id: socket.data?.user?.id, event };
    const level = CHATTY_EVENTS.has(event) ? 'debug' : 'info';
    if (this.lifecycle.isClosing) {
      return throwError(
        () => new DomainError('service_unavailable', 'The server is restarting: reconnect and send again'),
      );
    }

    return new Observable((subscriber) => {
      const done = this.lifecycle.begin();
      const started = performance.now();
      const finish = (outcome: 'ok' | 'error'): void => {
        const duration_ms = Math.round(performance.now() - started);
        this.logger[level]({ outcome, duration_ms }, `socket ${event} ${outcome}`);
        done();
      };
      const subscription = this.logger.runInContext(
        () =>
          next.handle().subscribe({
            next: (value) => subscriber.next(value),
            error: (error: unknown) => {
              finish('error');
              subscriber.error(error);
            },
            complete: () => {
              finish('ok');
              subscriber.complete();
            },
          }),
        { bindings },
      );
      return () => {
        subscription.unsubscribe();
        done();
      };
    });
  }
}
