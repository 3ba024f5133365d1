import { Injectable } from '@nestjs/common';
import type { UserPassesTestRequirement } from './user-passes-test.requirement.js';
import { UserPassesTestGuard } from './user-passes-test.guard.js';
import { isStaff } from './user-predicates.js';

const STAFF_ONLY: readonly UserPassesTestRequirement[] = [
  { test: isStaff, message: 'Staff only.' },
];

/**
 * Lets staff (`isStaff`) and superusers through; applied by `@StaffOnly()`. A
 * {@link UserPassesTestGuard} with the fixed test {@link isStaff}: it authenticates the request
 * first, whatever the order of guards, so an anonymous caller gets 401 (or, on an HTML route marked
 * `@LoginRequired({ redirectTo })`, the redirect to the login page) and never 403. A logged-in user
 * who is neither gets 403 `insufficient_permissions` ("Staff only."). An API key whose scopes restrict
 * it is refused too: its scopes name permissions, and staff status is not one of them, so a narrowed
 * key never opens a staff area.
 *
 * @example
 * ```ts
 * @UseGuards(StaffGuard)
 * @Controller('back-office') export class BackOfficeController { ... }
 * ```
 */
@Injectable()
export class StaffGuard extends UserPassesTestGuard {
  protected override testsOf(): readonly UserPassesTestRequirement[] {
    return STAFF_ONLY;
  }
}
