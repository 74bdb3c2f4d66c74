import { hash, verify } from '@node-rs/argon2';
import { Injectable } from '@nestjs/common';
import { Banned, DomainError } from '../common/errors/domain.errors';
import { UserBansRepository } from '../repositories/user-bans.repository';
import { UserRow, UsersRepository } from '../repositories/users.repository';
import { AvatarUrls } from './avatar-urls.signer';
import { AuthResponseDto, LoginDto, RegisterDto } from './dto/auth.dto';
import { toUserDto } from './dto/user.dto';
import { LoginThrottle } from './login-throttle.service';
import { RefreshTokenService } from './refresh-token.service';
import { TokenService } from './token.service';

/** argon2id with OWASP's recommended cost (19 MiB, 2 passes). */
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class AuthService {
  /** Verified against when the username is unknown, so both failures take the same time. */
  private readonly dummyHash = hash('not-a-real-password', ARGON2_OPTIONS);

  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: TokenService,
    private readonly refreshTokens: RefreshTokenService,
    private readonly throttle: LoginThrottle,
    private readonly avatars: AvatarUrls,
    private readonly bans: UserBansRepository,
  ) {}

  async register(input: RegisterDto): Promise<AuthResponseDto> {
    const passwordHash = await hash(input.password, ARGON2_OPTIONS);
    const user = await this.users.create({
      username: input.username,
      displayName: input.display_name ?? input.username,
      passwordHash,
    });
    if (!user) throw new DomainError('username_taken', 'This username is taken');
    return this.session(user);
  }

  async login(input: LoginDto): Promise<AuthResponseDto> {
    this.throttle.attempt(input.username);
    let user: UserRow | undefined;
    let valid: boolean;
    try {
      const found = await this.users.findWithPassword(input.username);
      user = found;
      valid = await verify(found?.passwordHash ?? (await this.dummyHash), input.password);
    } catch (error) {
      // Not a wrong password: an outage must not use up the owner's failed logins.
      this.throttle.undo(input.username);
      throw error;
    }
    if (!user || !valid) throw new DomainError('invalid_credentials', 'Wrong username or password');
    this.throttle.succeeded(input.username);
    // Asked of PostgreSQL, not of this instance's copy: a login is rare, and must see every ban.
    const ban = await this.bans.activeOf(user.id);
    if (ban) throw new Banned(ban.until);
    return this.session(user);
  }

  async refresh(refreshToken: string): Promise<AuthResponseDto> {
    const { userId, token } = await this.refreshTokens.rotate(refreshToken);
    const user = await this.users.findById(userId);
    if (!user) throw new DomainError('invalid_refresh_token', 'The refresh token is not valid');
    return this.session(user, token);
  }

  logout(refreshToken: string): Promise<void> {
    return this.refreshTokens.revokeLogin(refreshToken);
  }

  private async session(user: UserRow, refreshToken?: string): Promise<AuthResponseDto> {
    return {
      user: toUserDto(user, this.avatars.avatarUrl(user.avatarId ?? null)),
      access_token: this.tokens.signAccess({ id: user.id, username: user.username }),
      refresh_token: refreshToken ?? (await this.refreshTokens.issue(user.id)),
      expires_in: this.tokens.accessTtlSeconds,
    };
  }
}
