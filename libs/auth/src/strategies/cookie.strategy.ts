import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-strategy';
import { COOKIE_STRATEGY } from '../auth.constants.js';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedBrowserOptions } from '../options/browser-options.resolver.js';
import { AuthException } from '../errors/auth.exception.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import {
  BrowserSessionBackend,
  type BrowserSessionInfo,
} from '../backends/browser-session.backend.js';
import { SameOriginCheck } from '../http-request/same-origin-check.js';
import { SessionCookies } from '../http-request/session-cookies.js';
import type { CredentialStrategy } from './credential-strategy.interface.js';
import { answerPassport, type PassportActions } from './passport-protocol.js';
import { passportName } from './passport-name.js';

/**
 * Browser sessions: the access token (and, to renew it, the refresh token) from HttpOnly cookies
 * ({@link SessionCookies}), with an origin check on state-changing requests ({@link SameOriginCheck}),
 * verified by {@link BrowserSessionBackend}. Registered in Passport as `portcullis-cookie`.
 */
@Injectable()
export class CookieStrategy
  extends PassportStrategy(Strategy, passportName(COOKIE_STRATEGY))
  implements CredentialStrategy
{
  readonly strategyName = COOKIE_STRATEGY;

  constructor(
    private readonly backend: BrowserSessionBackend<object>,
    private readonly cookies: SessionCookies,
    private readonly sameOrigin: SameOriginCheck,
    @Inject(AUTH_RESOLVED_OPTIONS) private readonly options: Pick<ResolvedBrowserOptions, 'realm'>,
  ) {
    super();
  }

  /**
   * Not mine without a session cookie; otherwise the session's user.
   *
   * @throws CsrfFailedException, InvalidTokenException, TokenRevokedException
   */
  authenticateRequest(request: AuthRequest): Promise<[object, BrowserSessionInfo]> | undefined {
    return this.cookies.has(request) ? this.validate(request) : undefined;
  }

  /** Called with the request; answers the user and the session. */
  validate(request: AuthRequest): Promise<[object, BrowserSessionInfo]> {
    this.sameOrigin.assertSameOrigin(request);
    return this.backend.authenticate(this.cookies.read(request));
  }

  /** Passport's entry point: {@link CookieStrategy.authenticateRequest}, reported to Passport. */
  override authenticate(request: AuthRequest): void {
    answerPassport(this as unknown as this & PassportActions, request, this.options.realm);
  }

  /**
   * Writes renewed cookies after a success, and clears dead ones after a 401 (not after a refused
   * cross-site request, which must not be able to log anyone out).
   */
  writeResponse(response: unknown, info: unknown, failure?: AuthException): void {
    if (failure) {
      if (failure.getStatus() === 401) this.cookies.clear(response);
      return;
    }
    const renewed = (info as BrowserSessionInfo | undefined)?.renewed;
    if (renewed) this.cookies.write(response, renewed);
  }
}
