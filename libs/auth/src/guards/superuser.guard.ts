import { ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { AuthErrorCode } from '../errors/auth-error-code.js';
import { ApiKeyRefusedException, AuthException } from '../errors/auth.exception.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { AccountManagementGuard } from './account-management.guard.js';
import { httpRequestOf } from './http-context.js';

/**
 * Guards the admin routes: a logged-in superuser, authenticated by anything but an API key. It
 * authenticates first (anonymous: 401, never 403). Keys are refused whatever their owner may do, so a
 * leaked key can never hand out permissions or deactivate users. Internal.
 */
@Injectable()
export class SuperuserGuard extends AccountManagementGuard {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!(await super.canActivate(context))) return false;
    const request = httpRequestOf<AuthRequest>(context);
    if ((request.user as AuthUser).isSuperuser === true) return true;
    throw new AuthException(
      AuthErrorCode.InsufficientPermissions,
      'Superusers only.',
      HttpStatus.FORBIDDEN,
    );
  }

  protected override apiKeyRefusal(): ApiKeyRefusedException {
    return new ApiKeyRefusedException(
      'API keys cannot use the admin routes; log in as a superuser.',
    );
  }
}
