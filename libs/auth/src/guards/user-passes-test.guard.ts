import { CanActivate, ExecutionContext, HttpStatus, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { API_KEY_STRATEGY, USER_PASSES_TEST_KEY } from '../auth.constants.js';
import type { UserPassesTestRequirement } from './user-passes-test.requirement.js';
import { AuthErrorCode } from '../errors/auth-error-code.js';
import {
  ApiKeyRefusedException,
  AuthException,
  InternalErrorException,
} from '../errors/auth.exception.js';
import { asServiceUnavailable } from '../errors/is-service-unavailable-error.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import { authInfoOf } from '../strategies/auth-info.js';
import type { RequestUser } from '../users/request-user.js';
import { httpRequestOf } from './http-context.js';
import { LoginRequiredGuard } from './login-required.guard.js';
import { RouteMetadata } from './route-metadata.js';

const DEFAULT_MESSAGE = 'You are not allowed to do this.';
const DEFAULT_API_KEY_REFUSAL = 'API keys cannot use this route; log in instead.';

const logger = new Logger('Portcullis');

/**
 * Checks `@UserPassesTest()` (applied by that decorator): lets a request through when its user passes
 * every test of the route. It authenticates the request first, whatever the order of guards, so an
 * anonymous caller gets 401 (or, on an HTML route marked `@LoginRequired({ redirectTo })`, the
 * redirect to the login page) and never 403. Then, in this order:
 *
 * - a request authenticated by an API key, on a route whose test says `refuseApiKeys`: 403
 *   `insufficient_permissions` ({@link ApiKeyRefusedException});
 * - an API key restricted by scopes: 403 without running the test, since scopes name permissions and
 *   a test is not one, so a narrowed key never gains what a test guards;
 * - a test that does not answer exactly `true`: 403 `insufficient_permissions` with its message;
 * - a test that throws: its error goes on to Nest (a 500, or 503 for a database or Redis outage),
 *   and the request never reaches the handler.
 *
 * Non-HTTP contexts are refused. Subclass it for a guard with a fixed test, as `StaffGuard` is: override
 * {@link UserPassesTestGuard.testsOf}.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class EditorGuard extends UserPassesTestGuard {
 *   protected override testsOf(): readonly UserPassesTestRequirement[] {
 *     return [{ test: (user: Account) => user.role === 'editor', message: 'Editors only.' }];
 *   }
 * }
 * ```
 */
@Injectable()
export class UserPassesTestGuard implements CanActivate {
  constructor(
    protected readonly reflector: Reflector,
    protected readonly login: LoginRequiredGuard,
  ) {}

  /** The `@UserPassesTest()` requirements of each route: the controller's, then the handler's. */
  private readonly routeTests = new RouteMetadata((context) =>
    [context.getClass(), context.getHandler()].flatMap(
      (target) =>
        this.reflector.get<UserPassesTestRequirement[] | undefined>(USER_PASSES_TEST_KEY, target) ??
        [],
    ),
  );

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Portcullis protects HTTP routes; a test on another transport must not pass by default.
    if (context.getType() !== 'http') return false;
    const tests = this.testsOf(context);
    if (tests.length === 0) throw this.missingTest(context);
    await this.login.authenticate(context);
    const request = httpRequestOf<AuthRequest>(context);
    const user = request.user as RequestUser;
    const info = authInfoOf(request);
    const apiKey = info?.strategy === API_KEY_STRATEGY;
    const refusing = apiKey
      ? tests.find((requirement) => requirement.refuseApiKeys === true)
      : undefined;
    if (refusing) {
      throw new ApiKeyRefusedException(refusing.apiKeyRefusalMessage ?? DEFAULT_API_KEY_REFUSAL);
    }
    const scopedKey = info?.strategy === API_KEY_STRATEGY && info.scopes.length > 0;
    for (const requirement of tests) {
      if (scopedKey || !(await this.passes(requirement, user, request))) {
        throw new AuthException(
          AuthErrorCode.InsufficientPermissions,
          requirement.message ?? DEFAULT_MESSAGE,
          HttpStatus.FORBIDDEN,
        );
      }
    }
    return true;
  }

  /**
   * The tests the request must pass: those `@UserPassesTest()` put on its controller and handler.
   * A subclass with a fixed test returns it here instead.
   */
  protected testsOf(context: ExecutionContext): readonly UserPassesTestRequirement[] {
    return this.routeTests.of(context);
  }

  /** True only when the test answers `true`; a truthy non-boolean is a bug, not a pass. */
  private async passes(
    requirement: UserPassesTestRequirement,
    user: RequestUser,
    request: AuthRequest,
  ): Promise<boolean> {
    try {
      return (await requirement.test(user, request)) === true;
    } catch (error) {
      // The app's test failed, not the caller: its error stays its own, but an outage of the
      // database it read answers 503 like every other Portcullis guard.
      throw asServiceUnavailable(error);
    }
  }

  /**
   * The guard was applied without a test (`@UseGuards(UserPassesTestGuard)` alone, or as a global
   * guard): a mistake in the app, refused rather than read as "no test, let everyone in".
   */
  private missingTest(context: ExecutionContext): InternalErrorException {
    logger.error(
      `UserPassesTestGuard is on ${context.getClass()?.name ?? '?'}.${context.getHandler()?.name ?? '?'}, ` +
        'which has no @UserPassesTest(test): refusing every request. Apply it with the decorator.',
    );
    return new InternalErrorException();
  }
}
