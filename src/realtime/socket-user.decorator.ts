import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { AuthUser } from '../auth/current-user.decorator';
import type { RealtimeSocket } from './realtime.server';

/** The user the handshake authenticated, for gateway handlers (like @CurrentUser() for HTTP). */
export const SocketUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthUser =>
    context.switchToWs().getClient<RealtimeSocket>().data.user,
);
