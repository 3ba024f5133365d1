import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { AuthErrorCode } from '../errors/auth-error-code.js';
import { AuthException } from '../errors/auth.exception.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { httpRequestOf } from './http-context.js';
import { LoginRequiredGuard } from './login-required.guard.js';

/**
 * Lets staff (`isStaff`) and superusers through; applied by `@StaffOnly()`. It authenticates the request
 * first, whatever the order of guards, so an anonymous caller gets 401 (or, on an HTML route marked
 * `@LoginRequired({ redirectTo })`, the redirect to the login page) and never 403. A logged-in user who
 * is neither gets 403 `insufficient_permissions`. An API key whose scopes restrict it is refused too:
 * its scopes name permissions, and staff status is not one of them, so a narrowed key never opens a
 * staff area.
 */
@Injectable()
export class StaffGuard implements CanActivate {
  constructor(protected readonly login: LoginRequiredGuard) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Portcullis protects HTTP routes; a staff check on another transport must not pass by default.
    if (context.getType() !== 'http') return false;
    await this.login.authenticate(context);
    const request = httpRequestOf<AuthRequest>(context);
    const user = request.user as AuthUser;
    const info = request.authInfo as { strategy?: string; scopes?: string[] } | undefined;
    const scopedKey = info?.strategy === 'api-key' && (info.scopes?.length ?? 0) > 0;
    if (!scopedKey && (user.isStaff === true || user.isSuperuser === true)) return true;
    throw new AuthException(
      AuthErrorCode.InsufficientPermissions,
      'Staff only.',
      HttpStatus.FORBIDDEN,
    );
  }
}
