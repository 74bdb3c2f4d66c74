import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Forbidden } from '../common/errors/domain.errors';
import type { AuthenticatedRequest } from './current-user.decorator';

/**
 * Moderators only (AuthUser.moderator): put on a controller after the global JWT guard has set
 * the user; everyone else gets 403 `forbidden`.
 */
@Injectable()
export class ModeratorGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
    if (!user?.moderator) throw new Forbidden('Only moderators may do this');
    return true;
  }
}
