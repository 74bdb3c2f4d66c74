import { Injectable } from '@nestjs/common';

export type SocketEventOutcome = 'ok' | 'error';

/**
 * The service's measurements. The realtime and messaging code report through these methods;
 * how they are exported (Prometheus at /metrics) is this module's business.
 */
@Injectable()
export class MetricsService {
  socketConnected(): void {}

  socketDisconnected(): void {}

  socketEvent(_event: string, _outcome: SocketEventOutcome, _seconds: number): void {}

  messagePersisted(): void {}

  /** Seconds from a change's commit to its socket emit. */
  commitToEmit(_seconds: number): void {}
}
