import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { OPTIONAL_AUTH_KEY } from '../auth.constants.js';
import { LoginRequiredGuard } from '../guards/login-required.guard.js';

/**
 * Authenticates when credentials are sent and lets anonymous callers through: `@CurrentUser()` is the
 * user when the credentials are good and `undefined` when none were sent. Bad credentials are still a
 * 401: a client that sends a broken token learns about it.
 *
 * @example
 * ```ts
 * @OptionalAuth() @Get('feed') feed(@CurrentUser() user?: User) { ... }
 * ```
 */
export const OptionalAuth = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(OPTIONAL_AUTH_KEY, true), UseGuards(LoginRequiredGuard));
