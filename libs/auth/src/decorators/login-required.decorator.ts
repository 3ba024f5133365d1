import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { LOGIN_REQUIRED_KEY } from '../auth.constants.js';
import { LoginRequiredGuard } from '../guards/login-required.guard.js';
import type { LoginRequiredOptions } from '../guards/login-required-options.js';

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
