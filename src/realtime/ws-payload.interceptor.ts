import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { ValidationFailed } from '../common/errors/domain-error';

/**
 * Every client event carries one JSON object. Anything else (a string, null, several arguments)
 * is refused as a whole here, before the validation pipe would report its indexes as fields.
 */
@Injectable()
export class WsPayloadInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const payload: unknown = context.switchToWs().getData();
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw ValidationFailed.field('payload', 'must be a JSON object');
    }
    return next.handle();
  }
}
