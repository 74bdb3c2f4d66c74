import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Who is calling: set by the JWT guard from a verified access token. */
export interface AuthUser {
  id: number;
  username: string;
  /**
   * A moderator: the token's roles claim (AUTH_EXTERNAL_ROLES_CLAIM) holds `moderator`, or the
   * username is in MODERATOR_USERNAMES. Absent otherwise.
   */
  moderator?: true;
}

export interface AuthenticatedRequest extends FastifyRequest {
  user?: AuthUser;
}

export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): AuthUser => {
  const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
  if (!user) throw new Error('CurrentUser used on a route without authentication');
  return user;
});
