import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { AuthErrorCode } from '../errors/auth-error-code.js';
import { AuthException } from '../errors/auth.exception.js';
import type { AuthRequest } from '../strategies/credential-strategy.interface.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { httpRequestOf } from './http-context.js';
import { LoginRequiredGuard } from './login-required.guard.js';

/**
 * Guards the admin routes: a logged-in superuser, authenticated by anything but an API key. It
 * authenticates first (anonymous: 401, never 403). Keys are refused whatever their owner may do, so a
 * leaked key can never hand out permissions or deactivate users. Internal.
 */
@Injectable()
export class SuperuserGuard implements CanActivate {
  constructor(private readonly login: LoginRequiredGuard) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return false;
    await this.login.authenticate(context);
    const request = httpRequestOf<AuthRequest>(context);
    if ((request.authInfo as { strategy?: string } | undefined)?.strategy === 'api-key') {
      throw new AuthException(
        AuthErrorCode.InsufficientPermissions,
        'API keys cannot use the admin routes; log in as a superuser.',
        HttpStatus.FORBIDDEN,
      );
    }
    if ((request.user as AuthUser).isSuperuser === true) return true;
    throw new AuthException(
      AuthErrorCode.InsufficientPermissions,
      'Superusers only.',
      HttpStatus.FORBIDDEN,
    );
  }
}
