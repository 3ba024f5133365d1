import {
  Body,
  Controller,
  Inject,
  Injectable,
  Post,
  Redirect,
  Req,
  Res,
  Type,
} from '@nestjs/common';
import { PASSWORD_STRATEGY } from '../auth.constants.js';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedBrowserOptions } from '../options/browser-options.resolver.js';
import type { ResolvedThrottleOptions } from '../options/throttle-options.resolver.js';
import { Public } from '../decorators/public.decorator.js';
import { RequestAuthenticator } from '../guards/request-authenticator.js';
import type { CredentialStrategy } from '../strategies/credential-strategy.interface.js';
import { safeRedirectPath } from '../guards/safe-redirect-path.js';
import { BrowserSessionBackend } from '../backends/browser-session.backend.js';
import { SameOriginCheck } from '../http-request/same-origin-check.js';
import { SessionCookies } from '../http-request/session-cookies.js';
import { SessionService } from '../sessions/session.service.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import { UserService } from '../users/user.service.js';
import { unreadableBodyException } from './body-errors.module.js';
import { startLoginSession } from './login-session.js';
import { bodyFields } from '../common/body-fields.js';

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null
    ? (body as Record<string, unknown>)[name]
    : undefined;
}

/**
 * Form routes for browser sessions (mounted with `routes` when `strategies` includes `cookie`):
 * `POST <prefix>/browser/login` (a login form's target: sets the session cookies and redirects to a
 * safe `next`, or back to the login page with `?error=`) and `POST <prefix>/browser/logout`.
 * Both refuse cross-site posts.
 */
@Injectable()
export class BrowserSessionController {
  private passwordChain?: readonly CredentialStrategy[];

  constructor(
    protected readonly browser: BrowserSessionBackend<object>,
    protected readonly cookies: SessionCookies,
    protected readonly sameOrigin: SameOriginCheck,
    protected readonly sessions: SessionService,
    protected readonly users: UserService<object>,
    protected readonly authenticator: RequestAuthenticator,
    @Inject(AUTH_RESOLVED_OPTIONS)
    protected readonly options: Pick<ResolvedBrowserOptions, 'loginUrl'> &
      Pick<ResolvedThrottleOptions, 'trustProxy'>,
  ) {}

  /**
   * `POST browser/login` with a form body `{<usernameField>, password, next?}`: 303 either way, but
   * 400 `validation_failed` for a body that is not a form or JSON object with a field.
   */
  @Public()
  @Post('browser/login')
  @Redirect(undefined, 303)
  async login(
    @Req() request: AuthRequest,
    @Res({ passthrough: true }) response: unknown,
    @Body() body: unknown,
  ): Promise<{ url: string }> {
    this.sameOrigin.assertSameOrigin(request);
    // No form sends this: an API client's mistake, answered as on the other routes, not with a page.
    if (Object.keys(bodyFields(body)).length === 0) throw unreadableBodyException();
    const next = safeRedirectPath(field(body, 'next'));
    this.passwordChain ??= this.authenticator.chainOf([PASSWORD_STRATEGY]);
    const outcome = await this.authenticator.authenticate(request, this.passwordChain);
    if (outcome.kind !== 'user') {
      const error = outcome.kind === 'failure' ? outcome.exception.code : 'validation_failed';
      const query = new URLSearchParams({ error, ...(next ? { next } : {}) });
      return { url: `${this.options.loginUrl}?${query.toString()}` };
    }
    const issued = await startLoginSession(
      this.users,
      this.sessions,
      outcome.user,
      request,
      this.options.trustProxy,
    );
    this.cookies.write(response, issued);
    return { url: next ?? '/' };
  }

  /** `POST browser/logout`: ends the cookie session, clears the cookies, 303 to the login page. */
  @Public()
  @Post('browser/logout')
  @Redirect(undefined, 303)
  async logout(
    @Req() request: AuthRequest,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<{ url: string }> {
    this.sameOrigin.assertSameOrigin(request);
    await this.browser.endSession(this.cookies.read(request));
    this.cookies.clear(response);
    return { url: this.options.loginUrl };
  }
}

/** A subclass of {@link BrowserSessionController} mounted at `prefix`. */
export function createBrowserSessionController(prefix: string): Type<BrowserSessionController> {
  class MountedBrowserSessionController extends BrowserSessionController {}
  Controller(prefix)(MountedBrowserSessionController);
  return MountedBrowserSessionController;
}
