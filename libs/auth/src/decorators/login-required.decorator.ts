import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { LOGIN_REQUIRED_KEY } from '../auth.constants.js';
import { LoginRequiredGuard } from '../guards/login-required.guard.js';

/** Options of {@link LoginRequired}. */
export interface LoginRequiredOptions {
  /**
   * Treats the route as an HTML page: an anonymous caller gets a 302 to this login URL with
   * `?next=<the requested path>` instead of a 401. `true` uses the module's `loginUrl`.
   * @default undefined (API answer: 401 with `WWW-Authenticate`)
   */
  redirectTo?: string | true;
}

/**
 * Requires a logged-in user on a route or controller (applies `LoginRequiredGuard`). With `redirectTo`,
 * the route answers browsers: anonymous callers are redirected to the login page.
 *
 * @example
 * ```ts
 * @LoginRequired({ redirectTo: '/login' })
 * @Get('dashboard') dashboard(@CurrentUser() user: User) { ... }
 * ```
 */
export const LoginRequired = (
  options: LoginRequiredOptions = {},
): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(LOGIN_REQUIRED_KEY, options), UseGuards(LoginRequiredGuard));
