import { hash, verify } from '@node-rs/argon2';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { toUserDto } from '../users/dto/user.dto';
import { User } from '../users/user.entity';
import { AuthResponseDto, LoginDto, RegisterDto } from './dto/auth.dto';
import { LoginThrottle } from './login-throttle';
import { RefreshTokenService } from './refresh-token.service';
import { TokenService } from './token.service';

/** argon2id with OWASP's recommended cost (19 MiB, 2 passes). */
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class AuthService {
  /** Verified against when the username is unknown, so both failures take the same time. */
  private readonly dummyHash = hash('not-a-real-password', ARGON2_OPTIONS);

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly tokens: TokenService,
    private readonly refreshTokens: RefreshTokenService,
    private readonly throttle: LoginThrottle,
  ) {}

  async register(input: RegisterDto): Promise<AuthResponseDto> {
    const passwordHash = await hash(input.password, ARGON2_OPTIONS);
    let user: User;
    try {
      user = await this.users.save(
        this.users.create({
          username: input.username,
          displayName: input.display_name ?? input.username,
          passwordHash,
        }),
      );
    } catch (error) {
      if (
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === UNIQUE_VIOLATION
      ) {
        throw new DomainError('username_taken', 'This username is taken');
      }
      throw error;
    }
    return this.session(user);
  }

  async login(input: LoginDto): Promise<AuthResponseDto> {
    this.throttle.attempt(input.username);
    let user: User | null;
    let valid: boolean;
    try {
      user = await this.users.findOne({
        where: { username: input.username },
        select: { id: true, username: true, displayName: true, passwordHash: true },
      });
      valid = await verify(user?.passwordHash ?? (await this.dummyHash), input.password);
    } catch (error) {
      // Not a wrong password: an outage must not use up the owner's failed logins.
      this.throttle.undo(input.username);
      throw error;
    }
    if (!user || !valid) throw new DomainError('invalid_credentials', 'Wrong username or password');
    this.throttle.succeeded(input.username);
    return this.session(user);
  }

  async refresh(refreshToken: string): Promise<AuthResponseDto> {
    const { userId, token } = await this.refreshTokens.rotate(refreshToken);
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw new DomainError('invalid_refresh_token', 'The refresh token is not valid');
    return this.session(user, token);
  }

  logout(refreshToken: string): Promise<void> {
    return this.refreshTokens.revokeLogin(refreshToken);
  }

  private async session(user: User, refreshToken?: string): Promise<AuthResponseDto> {
    return {
      user: toUserDto(user),
      access_token: this.tokens.signAccess({ id: user.id, username: user.username }),
      refresh_token: refreshToken ?? (await this.refreshTokens.issue(user.id)),
      expires_in: this.tokens.accessTtlSeconds,
    };
  }
}
