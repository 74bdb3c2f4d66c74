import { Injectable } from '@nestjs/common';
import { JsonWebTokenError, JwtService, TokenExpiredError } from '@nestjs/jwt';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { AppConfig } from '../config/app.config';
import { DomainError, Unauthorized } from '../common/errors/domain.errors';
import type { AuthUser } from './current-user.decorator';
import { PlatformTokens, VerifiedUser } from './platform-tokens.service';
import { isModerator } from './token-claims.util';

interface AccessClaims {
  sub: number;
  username: string;
}

/** The algorithms of JWTs at all: anything else (`none` first of all) is refused unread. */
const HMAC = /^HS(256|384|512)$/;

/**
 * Access tokens: the service's own (issued at login) and, when configured, the platform's
 * (PlatformTokens); verified by the HTTP guard and the socket handshake alike.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly platform: PlatformTokens,
  ) {}

  get accessTtlSeconds(): number {
    return this.config.accessTokenTtlSeconds;
  }

  signAccess(user: AuthUser): string {
    const claims: AccessClaims = { sub: user.id, username: user.username };
    return this.jwt.sign(claims, {
      algorithm: this.config.jwtAlgorithm,
      expiresIn: this.config.accessTokenTtlSeconds,
    });
  }

  /**
   * The user behind an access token, and when the token expires (ms since epoch): at once for
   * one of the service's own, a promise for a platform token (its user may be looked up or made,
   * its keys fetched). Which one it is, is told by its header and claims, never by trying keys
   * blindly: an HMAC token without `iss` signed with JWT_ALGORITHM is tried as one of the own
   * first (when local accounts are enabled), and only a bad signature sends it on to the platform
   * secret; RS256/ES256 tokens go to the JWKS keys only. Every verification names its algorithms,
   * so `alg: none` and algorithm confusion are refused.
   */
  authenticate(token: string): VerifiedUser | Promise<VerifiedUser> {
    let alg: unknown;
    let iss: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
      iss = decodeJwt(token).iss;
    } catch {
      throw new Unauthorized('The access token is not valid');
    }
    if (typeof alg !== 'string') throw new Unauthorized('The access token is not valid');
    if (this.config.authLocalEnabled && alg === this.config.jwtAlgorithm && iss === undefined) {
      const own = this.verifyAccess(token, this.platform.accepts(alg));
      if (own) return own;
    }
    if ((HMAC.test(alg) || alg === 'RS256' || alg === 'ES256') && this.platform.accepts(alg)) {
      return this.platform.verify(token, alg);
    }
    throw new Unauthorized('The access token is not valid');
  }

  /**
   * The user behind one of the service's own tokens. With `orElse`, a bad signature answers
   * undefined (the token may be the platform's) rather than 401.
   */
  verifyAccess(token: string, orElse = false): VerifiedUser | undefined {
    let claims: AccessClaims & { exp?: number };
    try {
      claims = this.jwt.verify(token, {
        algorithms: [this.config.jwtAlgorithm],
      });
    } catch (error) {
      if (error instanceof TokenExpiredError)
        throw new DomainError('token_expired', 'The access token has expired');
      if (orElse && error instanceof JsonWebTokenError && error.message === 'invalid signature')
        return undefined;
      throw new Unauthorized('The access token is not valid');
    }
    if (
      !Number.isInteger(claims.sub) ||
      claims.sub < 1 ||
      typeof claims.username !== 'string' ||
      !claims.exp
    ) {
      throw new Unauthorized('The access token is not valid');
    }
    const user: VerifiedUser = {
      id: claims.sub,
      username: claims.username,
      expiresAt: claims.exp * 1000,
    };
    if (isModerator(this.config, claims.username, claims)) user.moderator = true;
    return user;
  }
}
