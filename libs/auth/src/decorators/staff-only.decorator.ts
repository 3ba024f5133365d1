import { UseGuards } from '@nestjs/common';
import { StaffGuard } from '../guards/staff.guard.js';

/**
 * Restricts a route or controller to staff (`isStaff`) and superusers (applies `StaffGuard`, the
 * predicate guard with the test `isStaff`; `@UserPassesTest(isStaff, { message })` is the same check
 * with a message of your own). Anonymous callers get 401, or the login redirect when the route also
 * has `@LoginRequired({ redirectTo })`; other users get 403 `insufficient_permissions` ("Staff
 * only."). Works alone: it authenticates the request itself.
 *
 * @example
 * ```ts
 * @LoginRequired({ redirectTo: '/login' })
 * @StaffOnly()
 * @Get('admin') admin() { ... }
 * ```
 */
export const StaffOnly = (): MethodDecorator & ClassDecorator => UseGuards(StaffGuard);
