import { createSecretKey, KeyObject } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import {
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import { DomainError, Unauthorized } from '../common/errors/domain.errors';
import {
  AppConfig,
  DEFAULT_PLATFORM_ISSUER,
  PLATFORM_JWKS_ALGORITHMS,
  PlatformAuthConfig,
} from '../config/app.config';
import { LinkedUser, UserIdentitiesRepository } from '../repositories/user-identities.repository';
import type { AuthUser } from './current-user.decorator';
import { claimAt, isModerator } from './token-claims.util';
import { platformDisplayName, platformUsernames } from './platform-usernames.util';

/** How many (issuer, external id) → local user links are remembered (the oldest are forgotten first). */
const KNOWN_LINKS = 10_000;

/** Longest external id stored (user_identities.external_id). */
const MAX_EXTERNAL_ID = 255;

export type VerifiedUser = AuthUser & { expiresAt: number };

/**
 * Tokens the platform issues (issue 17): verified with the shared secret (AUTH_EXTERNAL_JWT_SECRET,
 * HS256/384/512 as allowed) or the keys of AUTH_EXTERNAL_JWKS_URL (RS256/ES256; jose caches the
 * set and fetches it again when a token names an unknown `kid`), issuer and audience checked when
 * configured, `exp` required. The user they name is found by (issuer, external id), or made on
 * first sight (UserIdentitiesRepository.provision). Links never change once made (users are not
 * deleted), so they are remembered here and a known user's token costs no query.
 */
@Injectable()
export class PlatformTokens {
  private readonly logger = new Logger('PlatformTokens');
  private readonly config: PlatformAuthConfig;
  private readonly secret?: KeyObject;
  private readonly jwks?: JWTVerifyGetKey;
  private readonly issuer: string;
  /** External id → local user (one issuer per deployment). */
  private readonly links = new Map<string, LinkedUser>();

  constructor(
    private readonly appConfig: AppConfig,
    private readonly identities: UserIdentitiesRepository,
  ) {
    this.config = appConfig.platformAuth;
    if (this.config.secret !== undefined) this.secret = createSecretKey(Buffer.from(this.config.secret));
    if (this.config.jwksUrl !== undefined) {
      this.jwks = createRemoteJWKSet(new URL(this.config.jwksUrl), {
        cooldownDuration: this.config.jwksCooldownMs,
      });
    }
    this.issuer = this.config.issuer ?? DEFAULT_PLATFORM_ISSUER;
  }

  /** Whether a token signed with `alg` could be a platform token here. */
  accepts(alg: string): boolean {
    if (this.secret && (this.config.secretAlgorithms as string[]).includes(alg)) return true;
    return this.jwks !== undefined && (PLATFORM_JWKS_ALGORITHMS as readonly string[]).includes(alg);
  }

  /** The local user behind a platform token signed with `alg`; 401 when it is not valid. */
  async verify(token: string, alg: string): Promise<VerifiedUser> {
    const claims = await this.claimsOf(token, alg);
    const externalId = this.externalIdOf(claims);
    const user = await this.linkedUser(externalId, claims);
    const verified: VerifiedUser = { id: user.id, username: user.username, expiresAt: claims.exp! * 1000 };
    if (isModerator(this.appConfig, user.username, claims)) verified.moderator = true;
    return verified;
  }

  private async claimsOf(token: string, alg: string): Promise<JWTPayload> {
    const options: JWTVerifyOptions = { requiredClaims: ['exp'] };
    if (this.config.issuer !== undefined) options.issuer = this.config.issuer;
    if (this.config.audience !== undefined) options.audience = this.config.audience;
    try {
      if ((PLATFORM_JWKS_ALGORITHMS as readonly string[]).includes(alg)) {
        options.algorithms = [...PLATFORM_JWKS_ALGORITHMS];
        return (await jwtVerify(token, this.jwks!, options)).payload;
      }
      options.algorithms = this.config.secretAlgorithms;
      return (await jwtVerify(token, this.secret!, options)).payload;
    } catch (error) {
      if (error instanceof errors.JWTExpired)
        throw new DomainError('token_expired', 'The access token has expired');
      if (error instanceof errors.JOSEError && !(error instanceof errors.JWKSTimeout)) {
        throw new Unauthorized('The access token is not valid');
      }
      // The key set could not be fetched: not the token's fault.
      this.logger.warn(`platform keys unavailable: ${(error as Error).message}`);
      throw new DomainError('service_unavailable', 'The platform keys cannot be fetched; try again');
    }
  }

  /** AUTH_EXTERNAL_ID_CLAIM, or `id` and then `sub`: a non-empty string or an integer. */
  private externalIdOf(claims: JWTPayload): string {
    const raw =
      this.config.idClaim !== undefined
        ? claimAt(claims, this.config.idClaim)
        : (claimAt(claims, 'id') ?? claimAt(claims, 'sub'));
    const id = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw;
    if (typeof id !== 'string' || id === '' || id.length > MAX_EXTERNAL_ID) {
      throw new Unauthorized('The access token is not valid');
    }
    return id;
  }

  private async linkedUser(externalId: string, claims: JWTPayload): Promise<LinkedUser> {
    const known = this.links.get(externalId);
    if (known) return known;
    let user = await this.identities.findUser(this.issuer, externalId);
    if (!user) {
      const usernames = [...platformUsernames(claimAt(claims, this.config.usernameClaim), externalId)];
      user = await this.identities.provision({
        issuer: this.issuer,
        externalId,
        usernames,
        displayName: platformDisplayName(
          claimAt(claims, this.config.nameClaim),
          claimAt(claims, this.config.usernameClaim),
          usernames[0],
        ),
      });
    }
    if (this.links.size >= KNOWN_LINKS) this.links.delete(this.links.keys().next().value!);
    this.links.set(externalId, user);
    return user;
  }
}
