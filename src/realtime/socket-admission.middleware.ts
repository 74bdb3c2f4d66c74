import { Injectable } from '@nestjs/common';
import { normalizeIp } from '@nestjs/throttler';
import { DomainError, RateLimited } from '../common/errors/domain.errors';
import { clientAddressOf, trustFunction } from '../common/http/trust-proxy.util';
import { AppConfig } from '../config/app.config';
import { MetricsService, type SocketLimit } from '../observability/metrics.service';
import type { RealtimeSocket } from './realtime.server';
import { userRoom } from './rooms.util';
import { refusal, tokenOf } from './socket-handshake.middleware';
import { SocketRateLimiter } from './socket-rate-limit.interceptor';

const TOO_MANY_CONNECTS = 'Too many connection attempts, slow down';

type Middleware = (socket: RealtimeSocket, next: (error?: Error) => void) => void;

/**
 * The connection limits, as Socket.IO middlewares around the authenticating handshake.
 * {@link beforeAuth}: connection attempts per client address and per user per minute, refused
 * with `connect_error` `rate_limited` (`details.retry_after_ms`) before the token is verified
 * and before any database work. {@link afterAuth}: the user's attempt is charged, now that its
 * token is proven, and the user's sockets on this instance are capped (`limit_exceeded`).
 * Every refusal carries the contract's error shape in `connect_error`'s `data`.
 */
@Injectable()
export class SocketAdmission {
  private readonly maxSocketsPerUser: number;
  private readonly trust: (address: string, hop: number) => boolean;

  constructor(
    private readonly limiter: SocketRateLimiter,
    private readonly metrics: MetricsService,
    config: AppConfig,
  ) {
    this.maxSocketsPerUser = config.socketLimits.maxSocketsPerUser;
    this.trust = trustFunction(config.trustProxy);
  }

  /**
   * The user's budget is only looked at here, by the user id the token claims: verifying it is
   * the handshake's work (a JWT verification costs about a millisecond of CPU), and charging it
   * waits for that, so a forged token cannot spend another user's budget.
   */
  readonly beforeAuth: Middleware = (socket, next) => {
    socket.data.inFlight = 0;
    const now = Date.now();
    let waitMs = this.limiter.handshakesPerAddress.take(this.clientAddress(socket), now);
    let limit: SocketLimit = 'handshakes_per_address';
    if (waitMs === 0) {
      const claimed = claimedUserId(tokenOf(socket));
      if (claimed !== undefined) waitMs = this.limiter.handshakesPerUser.waitFor(claimed, now);
      limit = 'handshakes_per_user';
    }
    if (waitMs === 0) return next();
    this.refuse(next, limit, new RateLimited(TOO_MANY_CONNECTS, waitMs));
  };

  /**
   * The handshake has joined the socket to its user room, so the room's size on this instance is
   * the user's sockets here, this one and those still connecting included: simultaneous
   * attempts can be refused together, never admitted together past the cap.
   */
  readonly afterAuth: Middleware = (socket, next) => {
    const userId = socket.data.user.id;
    const waitMs = this.limiter.handshakesPerUser.take(userId);
    if (waitMs > 0) {
      return this.refuse(next, 'handshakes_per_user', new RateLimited(TOO_MANY_CONNECTS, waitMs));
    }
    const max = this.maxSocketsPerUser;
    const sockets = socket.nsp.adapter.rooms.get(userRoom(userId))?.size ?? 0;
    if (sockets <= max) return next();
    this.refuse(
      next,
      'sockets_per_user',
      new DomainError('limit_exceeded', `A user may hold at most ${max} connections at once`, { limit: max }),
    );
  };

  private refuse(next: (error?: Error) => void, limit: SocketLimit, error: DomainError): void {
    this.metrics.socketLimited(limit);
    next(refusal(error));
  }

  /**
   * The client address exactly as HTTP derives `request.ip` (and so its rate limit): the same
   * trust function (TRUST_PROXY) that the HTTP server is given, read on the handshake's address
   * and headers; IPv6 addresses grouped by subnet as the HTTP limiter does.
   */
  private clientAddress(socket: RealtimeSocket): string {
    const { address, headers } = socket.handshake;
    return normalizeIp(clientAddressOf(address, headers, this.trust) || address);
  }
}

/**
 * The `sub` a JWT claims, unverified: a key to look a budget up by, never to admit or charge by.
 * Only a token shaped like the service's own (no `iss`) names a local user id: a platform token's
 * `sub` is the platform's id (issue 17), charged by its local id once verified.
 */
export function claimedUserId(token: string | undefined): number | undefined {
  const payload = token?.split('.')[1];
  if (!payload) return undefined;
  try {
    const { sub, iss } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      sub?: unknown;
      iss?: unknown;
    };
    return Number.isInteger(sub) && iss === undefined ? (sub as number) : undefined;
  } catch {
    return undefined;
  }
}
