import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { isCondition, toErrorBody } from '../common/errors/error-body.mapper';
import type { Ack } from './events.types';

/**
 * Answers a failed client event through its acknowledgement with the contract's error shape.
 * Without an ack callback there is no one to tell; the socket stays connected either way.
 */
@Catch()
export class WsExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('WsExceptionFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const body = toErrorBody(error);
    if (body.status >= 500 && isCondition(error)) {
      this.logger.warn(`${body.code}: ${error instanceof Error ? error.message : body.message}`);
    } else if (body.status >= 500) {
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    const ack: unknown = host.getArgs().find((arg) => typeof arg === 'function');
    if (typeof ack === 'function') (ack as (response: Ack<never>) => void)({ ok: false, error: body });
  }
}
