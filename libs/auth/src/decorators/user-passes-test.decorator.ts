import { UseGuards } from '@nestjs/common';
import { USER_PASSES_TEST_KEY } from '../auth.constants.js';
import { UserPassesTestGuard } from '../guards/user-passes-test.guard.js';
import type {
  UserPassesTestOptions,
  UserPassesTestRequirement,
  UserPredicate,
} from '../guards/user-passes-test.requirement.js';
import type { RequestUser } from '../users/request-user.js';

const applyGuard = UseGuards(UserPassesTestGuard) as (
  target: object,
  key?: string | symbol,
  descriptor?: PropertyDescriptor,
) => void;

/**
 * Lets a request through when its authenticated user passes `test` (applies
 * `UserPassesTestGuard`), like Django's `user_passes_test`. Anonymous callers get 401 (or the login
 * redirect when the route also has `@LoginRequired({ redirectTo })`), never 403: it authenticates the
 * request itself, whatever the order of guards. A user who fails gets 403 `insufficient_permissions`
 * with `options.message`. An API key restricted by scopes never passes: its scopes name
 * permissions and a test is not one (use `@Permissions()` where keys should reach a route by scope).
 *
 * Several uses on one handler or controller, and a controller's with a handler's, all apply: the
 * user must pass every test (the controller's are run first), and the first one failed answers.
 *
 * @example
 * ```ts
 * @UserPassesTest((user: Account) => user.plan === 'pro', { message: 'Upgrade to Pro.' })
 * @Get('reports') reports() { ... }
 *
 * @UserPassesTest(isSuperuser, { message: 'Superusers only.', refuseApiKeys: true })
 * @Post('maintenance') maintenance() { ... }
 * ```
 */
export function UserPassesTest<U extends object = RequestUser>(
  test: UserPredicate<U>,
  options: UserPassesTestOptions = {},
): MethodDecorator & ClassDecorator {
  if (typeof test !== 'function') {
    throw new Error(
      '@UserPassesTest() needs a test function, e.g. @UserPassesTest((user) => user.isStaff === true).',
    );
  }
  // The guard hands the test whatever user authenticated; that it is a `U` is the app's word, as
  // with `@CurrentUser() user: Account`.
  const requirement: UserPassesTestRequirement = { ...options, test: test as UserPredicate };
  return (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const holder: object = descriptor ? (descriptor.value as object) : target;
    // Appended, not set: a second decorator on the same target must add its test, never replace
    // the first. Read through the prototype chain so a subclass keeps its parent's tests.
    const earlier = (Reflect.getMetadata(USER_PASSES_TEST_KEY, holder) ??
      []) as UserPassesTestRequirement[];
    const guardApplied = Reflect.getOwnMetadata(USER_PASSES_TEST_KEY, holder) !== undefined;
    Reflect.defineMetadata(USER_PASSES_TEST_KEY, [...earlier, requirement], holder);
    // One guard per target checks all of its tests; a second would only run them again.
    if (!guardApplied) applyGuard(target, key, descriptor);
  };
}
