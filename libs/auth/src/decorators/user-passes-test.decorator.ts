import { UseGuards } from '@nestjs/common';
import { USER_PASSES_TEST_KEY } from '../auth.constants.js';
import { UserPassesTestGuard } from '../guards/user-passes-test.guard.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import type { RequestUser } from '../users/request-user.js';

/**
 * A test of the authenticated user, for {@link UserPassesTest}: the request goes through only when
 * it returns (or resolves to) exactly `true`. It gets the user on the request and the request itself
 * (`request.authInfo` says how the user authenticated). An exception it throws is answered as an
 * error of the app (500; 503 when it is a database or Redis outage), never as a pass.
 *
 * @example
 * ```ts
 * const isEditor: UserPredicate<Account> = (account) => account.role === 'editor';
 * ```
 */
export type UserPredicate<U extends object = RequestUser> = (
  user: U,
  request: AuthRequest,
) => boolean | Promise<boolean>;

/** Options of {@link UserPassesTest}: how a caller who may not pass is answered. */
export interface UserPassesTestOptions {
  /**
   * The `message` of the 403 `insufficient_permissions` for a user who fails the test.
   * @default 'You are not allowed to do this.'
   */
  message?: string;
  /**
   * Refuses every request authenticated by an API key, scoped or not, before the test runs (403
   * `insufficient_permissions`, an `ApiKeyRefusedException`): for routes a script must never reach,
   * such as managing accounts. Without it an unscoped key is tested like its owner; a key restricted
   * by scopes is refused either way.
   * @default false
   */
  refuseApiKeys?: boolean;
  /**
   * The `message` of the 403 for an API key refused by `refuseApiKeys`.
   * @default 'API keys cannot use this route; log in instead.'
   */
  apiKeyRefusalMessage?: string;
}

/**
 * One test of a route, as `@UserPassesTest()` stores it under {@link USER_PASSES_TEST_KEY} and
 * `UserPassesTestGuard` checks it. A subclass of the guard with a fixed test returns one of these.
 *
 * @example
 * ```ts
 * const editorsOnly: UserPassesTestRequirement = { test: isEditor, message: 'Editors only.' };
 * ```
 */
export interface UserPassesTestRequirement extends UserPassesTestOptions {
  /**
   * The test the user must pass. Written as a method so that a test typed for the app's own user
   * entity (`(user: Account) => ...`) fits without a cast: TypeScript compares method parameters
   * both ways.
   */
  test(user: RequestUser, request: AuthRequest): boolean | Promise<boolean>;
}

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
