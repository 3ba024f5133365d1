import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { API_KEY_STRATEGY } from '../auth.constants.js';
import { ApiKeyRefusedException } from '../errors/auth.exception.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import { authInfoOf } from '../strategies/auth-info.js';
import { httpRequestOf } from './http-context.js';
import { LoginRequiredGuard } from './login-required.guard.js';

/**
 * Guards routes that manage an account (change its password, list or end its sessions, manage its API
 * keys): a logged-in user, authenticated by anything but an API key. It authenticates first, so an
 * anonymous caller gets 401, never 403; a request authenticated by an API key, scoped or not, gets 403
 * `insufficient_permissions` ({@link ApiKeyRefusedException}), so a leaked key can neither lock its
 * owner out nor hide itself. Portcullis' own account routes use it; put it on yours.
 *
 * @example
 * ```ts
 * @Post('account/email')
 * @UseGuards(AccountManagementGuard)
 * changeEmail(@CurrentUser() user: User, @Body() body: unknown) { ... }
 * ```
 */
@Injectable()
export class AccountManagementGuard implements CanActivate {
  constructor(protected readonly login: LoginRequiredGuard) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Portcullis protects HTTP routes; a check on another transport must not pass by default.
    if (context.getType() !== 'http') return false;
    await this.login.authenticate(context);
    const request = httpRequestOf<AuthRequest>(context);
    if (authInfoOf(request)?.strategy === API_KEY_STRATEGY) {
      throw this.apiKeyRefusal();
    }
    return true;
  }

  /** The 403 for a request authenticated by an API key; subclasses word it for their routes. */
  protected apiKeyRefusal(): ApiKeyRefusedException {
    return new ApiKeyRefusedException();
  }
}
