import { CanActivate, Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain.errors';
import { AppConfig } from '../config/app.config';

/**
 * Local accounts (register, login, refresh) exist only while AUTH_LOCAL_ENABLED is true: with
 * only the platform's tokens they answer 404 `not_found`, as a route that is not there, before
 * the body is even read.
 */
@Injectable()
export class LocalAuthGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(): boolean {
    if (!this.config.authLocalEnabled) throw new DomainError('not_found', 'Not found');
    return true;
  }
}
