import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-strategy';
import { COOKIE_STRATEGY } from '../auth.constants.js';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedAuthOptions } from '../auth.resolved-options.js';
import { AuthException } from '../errors/auth.exception.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import { BrowserSessionInfo, BrowserSessionService } from '../sessions/browser-session.service.js';
import type { CredentialStrategy } from './credential-strategy.interface.js';
import { answerPassport, type PassportActions } from './passport-protocol.js';
import { passportName } from './passport-name.js';

/**
 * Browser sessions: the access token (and, to renew it, the refresh token) from HttpOnly cookies, with
 * an origin check on state-changing requests. See {@link BrowserSessionService}. Registered in
 * Passport as `portcullis-cookie`.
 */
@Injectable()
export class CookieStrategy
  extends PassportStrategy(Strategy, passportName(COOKIE_STRATEGY))
  implements CredentialStrategy
{
  readonly strategyName = COOKIE_STRATEGY;

  constructor(
    private readonly browser: BrowserSessionService<object>,
    @Inject(AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedAuthOptions,
  ) {
    super();
  }

  /**
   * Not mine without a session cookie; otherwise the session's user.
   *
   * @throws CsrfFailedException, InvalidTokenException, TokenRevokedException
   */
  authenticateRequest(request: AuthRequest): Promise<[object, BrowserSessionInfo]> | undefined {
    return this.browser.hasSessionCookie(request) ? this.validate(request) : undefined;
  }

  /** Called with the request; answers the user and the session. */
  validate(request: AuthRequest): Promise<[object, BrowserSessionInfo]> {
    return this.browser.authenticate(request);
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
      if (failure.getStatus() === 401) this.browser.clear(response);
      return;
    }
    const renewed = (info as BrowserSessionInfo | undefined)?.renewed;
    if (renewed) this.browser.writeSession(response, renewed);
  }
}
