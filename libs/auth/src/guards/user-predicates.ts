import type { AuthUser } from '../users/auth-user.interface.js';

/**
 * True for staff (`isStaff`) and superusers: the test of `@StaffOnly()` and `StaffGuard`, for
 * `@UserPassesTest()` with a message of your own.
 *
 * @example
 * ```ts
 * @UserPassesTest(isStaff, { message: 'The reports are for staff.' })
 * @Get('reports') reports() { ... }
 * ```
 */
export function isStaff(user: AuthUser): boolean {
  return user.isStaff === true || user.isSuperuser === true;
}

/**
 * True for superusers (`isSuperuser`): the test of Portcullis' admin routes.
 *
 * @example
 * ```ts
 * @UserPassesTest(isSuperuser, { message: 'Superusers only.', refuseApiKeys: true })
 * @Post('maintenance') maintenance() { ... }
 * ```
 */
export function isSuperuser(user: AuthUser): boolean {
  return user.isSuperuser === true;
}
