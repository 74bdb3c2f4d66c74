import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Unauthorized } from '../common/errors/domain.errors';
import { bearerToken } from '../common/http/bearer-token.util';
import { rawRequestOf } from '../common/http/raw-request.util';
import { IS_PUBLIC } from '../common/http/public.decorator';
import { BanRegistry } from './ban-registry.service';
import type { AuthenticatedRequest, AuthUser } from './current-user.decorator';
import type { VerifiedUser } from './platform-tokens.service';
import { TokenService } from './token.service';

/** How many verified access tokens are remembered (the oldest are forgotten first). */
const VERIFIED_TOKENS = 10_000;

/**
 * Global HTTP guard: every route needs a valid access token unless marked @Public(): one of the
 * service's own, or the platform's (issue 17; TokenService.authenticate tells them apart).
 * A token's signature and claims are verified once; later requests with the very same token
 * string (a session's every request) find its user in a bounded map until the token expires,
 * and an expired one is verified again, which refuses it. A banned user's token is refused on
 * every request (403 `banned`, a lookup in this instance's copy of the bans), whether or not it
 * was verified before. Whether a route is public is read once per route.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly publicRoutes = new WeakMap<object, boolean>();
  private readonly verified = new Map<string, VerifiedUser>();

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly bans: BanRegistry,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (this.isPublic(context)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(request.headers.authorization);
    if (!token) throw new Unauthorized();
    const user = this.userOf(token);
    // A platform token seen for the first time: its user may have to be looked up or made.
    if (user instanceof Promise) return user.then((verified) => this.admit(request, verified));
    return this.admit(request, user);
  }

  private admit(request: AuthenticatedRequest, { id, username, moderator }: AuthUser): true {
    this.bans.assertNotBanned(id);
    request.user = moderator ? { id, username, moderator } : { id, username };
    // Also on the Node request, where the request log reads it (LoggedRequest.user).
    (rawRequestOf(request) as { user?: AuthUser }).user = request.user;
    return true;
  }

  private isPublic(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let isPublic = this.publicRoutes.get(handler);
    if (isPublic === undefined) {
      isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler, context.getClass()]) === true;
      this.publicRoutes.set(handler, isPublic);
    }
    return isPublic;
  }

  private userOf(token: string): VerifiedUser | Promise<VerifiedUser> {
    const known = this.verified.get(token);
    if (known && Date.now() < known.expiresAt) return known;
    if (known) this.verified.delete(token);
    const user = this.tokens.authenticate(token);
    if (user instanceof Promise) return user.then((verified) => this.remember(token, verified));
    return this.remember(token, user);
  }

  private remember(token: string, user: VerifiedUser): VerifiedUser {
    if (this.verified.size >= VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, user);
    return user;
  }
}
