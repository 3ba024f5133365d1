import {
  CanActivate,
  ExecutionContext,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY, LOGIN_REQUIRED_KEY, OPTIONAL_AUTH_KEY } from '../auth.constants.js';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedBrowserOptions } from '../options/browser-options.resolver.js';
import type { LoginRequiredOptions } from './login-required-options.js';
import { AuthErrorCode } from '../errors/auth-error-code.js';
import {
  AuthException,
  InvalidRequestException,
  NotAuthenticatedException,
} from '../errors/auth.exception.js';
import { andThen, type MaybeAsync } from '../common/maybe-async.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import { isMalformedBearer } from '../http-request/authorization-header.js';
import type { CredentialStrategy } from '../strategies/credential-strategy.interface.js';
import { isAuthenticatedIn, noteAuthenticated } from './authenticated-context.js';
import { httpRequestOf, httpResponseOf } from './http-context.js';
import {
  AuthenticationFailure,
  AuthenticationOutcome,
  RequestAuthenticator,
} from './request-authenticator.js';
import { RouteMetadata } from './route-metadata.js';
import { safeRedirectPath } from './safe-redirect-path.js';

/**
 * Requires a logged-in user. Tries the configured strategies in order (default `jwt`, `basic`); the
 * first that finds a credential of its kind decides. Puts the user on `request.user` for
 * `@CurrentUser()`.
 *
 * Anonymous or badly authenticated API callers get a 401 with the error body and `WWW-Authenticate`
 * challenges; HTML routes (`@LoginRequired({ redirectTo })`, or `Accept: text/html` with
 * `htmlNegotiation`) get a 302 to the login page with a safe `?next=`. `@Public()` routes pass without
 * a look at credentials; `@OptionalAuth()` routes let anonymous callers through.
 *
 * Subclass it to customise; its collaborators are `protected`.
 *
 * @example
 * ```ts
 * @UseGuards(LoginRequiredGuard)
 * @Controller('notes') export class NotesController { ... }
 * ```
 */
@Injectable()
export class LoginRequiredGuard implements CanActivate {
  /** `@Public()` and `@OptionalAuth()` of each route. */
  private readonly routeMarks = new RouteMetadata((context) => {
    const targets = [context.getHandler(), context.getClass()];
    return {
      public: this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets) === true,
      optional: this.reflector.getAllAndOverride<boolean>(OPTIONAL_AUTH_KEY, targets) === true,
    };
  });

  /** {@link LoginRequiredGuard.settle} for {@link andThen}, built once. */
  private readonly settleOutcome = (
    outcome: AuthenticationOutcome,
    { context, request, optional }: PendingSettlement,
  ): boolean => this.settle(context, request, outcome, optional);

  constructor(
    protected readonly reflector: Reflector,
    protected readonly authenticator: RequestAuthenticator,
    @Inject(AUTH_RESOLVED_OPTIONS)
    protected readonly options: Pick<ResolvedBrowserOptions, 'loginUrl' | 'htmlNegotiation'>,
  ) {}

  /**
   * Answers without a promise when the deciding strategy needed no read (a token or key seen before,
   * its user cached), so Nest runs the handler in the same tick; otherwise a promise. Failures are
   * thrown either way, and Nest answers them alike.
   */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    // Portcullis protects HTTP routes; other transports must opt out explicitly with @Public().
    if (context.getType() !== 'http') return this.isPublic(context);
    if (this.isPublic(context)) return true;
    return this.authenticate(context, this.isOptional(context));
  }

  /**
   * Authenticates the request whatever its route metadata says (`@Public()` included), as
   * `PermissionsGuard` needs before it checks permissions. With `optional`, anonymous callers pass.
   * Like {@link LoginRequiredGuard.canActivate}, it answers without a promise when it can; `await` it.
   */
  authenticate(context: ExecutionContext, optional = false): MaybeAsync<boolean> {
    const request = httpRequestOf<AuthRequest>(context);
    if (isAuthenticatedIn(context, request)) return true;
    const outcome = this.authenticator.authenticate(request);
    return andThen(outcome, this.settleOutcome, { context, request, optional });
  }

  /** Puts the user on the request, or throws the answer for a caller without one. */
  private settle(
    context: ExecutionContext,
    request: AuthRequest,
    outcome: AuthenticationOutcome,
    optional: boolean,
  ): boolean {
    const chain = this.authenticator.chain;
    const response = httpResponseOf(context);
    this.authenticator.finish(response, outcome);
    if (outcome.kind === 'user') {
      request.user = outcome.user;
      request.authInfo = outcome.info;
      noteAuthenticated(context, request);
      return true;
    }
    if (outcome.kind === 'failure') {
      throw this.rejection(context, request, response, chain, outcome);
    }
    // RFC 6750 3.1: a malformed Bearer value is the client's error (400), on optional routes too.
    if (isMalformedBearer(request.headers.authorization)) {
      throw this.rejection(context, request, response, chain, {
        exception: new InvalidRequestException(),
      });
    }
    if (optional) return true;
    // No strategy's credential: no strategy caused the failure, so none describes it in its challenge.
    throw this.rejection(context, request, response, chain, {
      exception: this.missingCredentialException(request),
    });
  }

  /** True when `@OptionalAuth()` is on the handler or its controller. */
  protected isOptional(context: ExecutionContext): boolean {
    return this.routeMarks.of(context).optional;
  }

  /** True when `@Public()` is on the handler or its controller. */
  protected isPublic(context: ExecutionContext): boolean {
    return this.routeMarks.of(context).public;
  }

  /** The 401 for a request that no strategy recognised. */
  protected missingCredentialException(request: AuthRequest): AuthException {
    return request.headers.authorization === undefined
      ? new NotAuthenticatedException()
      : new AuthException(
          AuthErrorCode.InvalidToken,
          'The Authorization header is not of a supported kind.',
          HttpStatus.UNAUTHORIZED,
        );
  }

  /**
   * Prepares the response headers and returns the exception to throw: a 302 to the login page for
   * HTML routes (with `?error=email_not_verified` for an unverified address), otherwise the 401 with
   * `WWW-Authenticate`.
   */
  protected rejection(
    context: ExecutionContext,
    request: AuthRequest,
    response: unknown,
    chain: readonly CredentialStrategy[],
    failure: AuthenticationFailure,
  ): HttpException {
    const { exception } = failure;
    const loginUrl = this.loginRedirectTarget(context, request);
    // An unverified address (requireVerifiedEmail) sends a browser to the login page too, saying
    // why: signing in there mails a new link.
    const unverified = exception.code === AuthErrorCode.EmailNotVerified;
    if (
      loginUrl !== undefined &&
      (exception.getStatus() === HttpStatus.UNAUTHORIZED || unverified)
    ) {
      const next = safeRedirectPath(request.originalUrl ?? request.url);
      const query = [
        ...(unverified ? [`error=${exception.code}`] : []),
        ...(next ? [`next=${encodeURIComponent(next)}`] : []),
      ].join('&');
      const location = query
        ? `${loginUrl}${loginUrl.includes('?') ? '&' : '?'}${query}`
        : loginUrl;
      this.authenticator.setHeader(response, 'Location', location);
      this.authenticator.setHeader(response, 'Cache-Control', 'no-store');
      return new AuthException(
        AuthErrorCode.NotAuthenticated,
        'Log in to continue.',
        HttpStatus.FOUND,
      );
    }
    if (
      exception.getStatus() === HttpStatus.UNAUTHORIZED ||
      exception.code === AuthErrorCode.InvalidRequest
    ) {
      const challenge =
        (failure.strategy && this.authenticator.challenge(chain, failure)) ??
        this.authenticator.challengeFor(chain, exception);
      this.authenticator.setHeader(response, 'WWW-Authenticate', challenge);
    }
    this.authenticator.writeErrorHeaders(response, exception);
    return exception;
  }

  /** The login URL when this request should be answered like a browser page, else undefined. */
  protected loginRedirectTarget(
    context: ExecutionContext,
    request: AuthRequest,
  ): string | undefined {
    const route = this.reflector.getAllAndOverride<LoginRequiredOptions | undefined>(
      LOGIN_REQUIRED_KEY,
      [context.getHandler(), context.getClass()],
    );
    if (route?.redirectTo !== undefined) {
      return route.redirectTo === true ? this.options.loginUrl : route.redirectTo;
    }
    const accept = request.headers.accept;
    if (
      this.options.htmlNegotiation &&
      (request.method === 'GET' || request.method === 'HEAD') &&
      typeof accept === 'string' &&
      accept.includes('text/html')
    ) {
      return this.options.loginUrl;
    }
    return undefined;
  }
}

/** What settling one request's outcome needs (see {@link LoginRequiredGuard.authenticate}). */
interface PendingSettlement {
  context: ExecutionContext;
  request: AuthRequest;
  optional: boolean;
}
