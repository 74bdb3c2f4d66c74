import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { normalizeIp } from '@nestjs/throttler';
import type { Express } from 'express';
import { TokenService } from '../auth/token.service';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { MetricsService, type SocketLimit } from '../observability/metrics.service';
import type { RealtimeSocket } from './realtime-server';
import { refusal, tokenOf } from './socket-handshake';
import { rateLimited, SocketRateLimiter } from './socket-rate-limit';
import { userRoom } from './rooms';

type Middleware = (socket: RealtimeSocket, next: (error?: Error) => void) => void;

/**
 * The connection limits, as Socket.IO middlewares around the authenticating handshake:
 * {@link budgets} before it (connection attempts per client address and per user per minute,
 * refused with `connect_error` `rate_limited` and `details.retry_after_ms` before any database
 * work), {@link socketCap} after it (the user's sockets on this instance, refused with
 * `limit_exceeded`). Every refusal carries the contract's error shape in `connect_error`'s `data`.
 */
@Injectable()
export class SocketAdmission {
  private readonly maxSocketsPerUser: number;

  constructor(
    private readonly tokens: TokenService,
    private readonly limiter: SocketRateLimiter,
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
    config: AppConfig,
  ) {
    this.maxSocketsPerUser = config.socketLimits.maxSocketsPerUser;
  }

  readonly budgets: Middleware = (socket, next) => {
    socket.data.inFlight = 0;
    const now = Date.now();
    let waitMs = this.limiter.handshakesPerAddress.take(this.clientAddress(socket), now);
    let limit: SocketLimit = 'handshakes_per_address';
    if (waitMs === 0) {
      const userId = this.userOf(socket);
      if (userId !== undefined) waitMs = this.limiter.handshakesPerUser.take(userId, now);
      limit = 'handshakes_per_user';
    }
    if (waitMs === 0) return next();
    this.metrics.socketLimited(limit);
    next(refusal(rateLimited(waitMs, 'Too many connection attempts, slow down')));
  };

  /**
   * The handshake has joined the socket to its user room, so the room's size on this instance is
   * the user's sockets here, this one and those still connecting included: simultaneous
   * attempts can be refused together, never admitted together past the cap.
   */
  readonly socketCap: Middleware = (socket, next) => {
    const max = this.maxSocketsPerUser;
    const sockets = socket.nsp.adapter.rooms.get(userRoom(socket.data.user.id))?.size ?? 0;
    if (sockets <= max) return next();
    this.metrics.socketLimited('sockets_per_user');
    next(
      refusal(
        new DomainError('limit_exceeded', `A user may hold at most ${max} connections at once`, {
          limit: max,
        }),
      ),
    );
  };

  /** The user of a valid token; a missing or bad one is left to the handshake to refuse. */
  private userOf(socket: RealtimeSocket): number | undefined {
    const token = tokenOf(socket);
    if (!token) return undefined;
    try {
      return this.tokens.verifyAccess(token).id;
    } catch {
      return undefined;
    }
  }

  /**
   * The client address exactly as HTTP derives `req.ip` (and so its rate limit): Express's own
   * getter, with its `trust proxy` setting (TRUST_PROXY), read on the handshake's address and
   * headers; IPv6 addresses grouped by subnet as the HTTP limiter does.
   */
  private clientAddress(socket: RealtimeSocket): string {
    const app = this.adapterHost.httpAdapter.getInstance<Express>();
    const { address, headers } = socket.handshake;
    const request = { app, headers, socket: { remoteAddress: address } };
    const ip: string | undefined = Reflect.get(app.request, 'ip', request);
    return normalizeIp(ip ?? address);
  }
}
