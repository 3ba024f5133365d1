import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-strategy';
import { COOKIE_STRATEGY } from '../auth.constants.js';
import { AuthException, InvalidTokenException } from '../errors/auth.exception.js';
import { BrowserSessionInfo, BrowserSessionService } from '../sessions/browser-session.service.js';
import type { AuthRequest, CredentialStrategy } from './credential-strategy.interface.js';
import { passportName } from './passport-name.js';

type Done = (error: unknown, user?: unknown, info?: unknown) => void;

/** A minimal Passport strategy that hands the request to `verify(request, done)`. */
class RequestPassportStrategy extends Strategy {
  name = COOKIE_STRATEGY;

  constructor(private readonly verify: (request: AuthRequest, done: Done) => void) {
    super();
  }

  override authenticate(request: AuthRequest): void {
    this.verify(request, (error, user, info) => {
      if (error) this.error(error as Error);
      else if (!user) this.fail(info, 401);
      else this.success(user, info as object | undefined);
    });
  }
}

/**
 * Browser sessions: the access token (and, to renew it, the refresh token) from HttpOnly cookies, with
 * an origin check on state-changing requests. See {@link BrowserSessionService}.
 */
@Injectable()
export class CookieStrategy
  extends PassportStrategy(RequestPassportStrategy, passportName(COOKIE_STRATEGY))
  implements CredentialStrategy
{
  readonly strategyName = COOKIE_STRATEGY;

  constructor(private readonly browser: BrowserSessionService<object>) {
    super();
  }

  /** Called with the request; answers the user and the session. */
  validate(request: AuthRequest): Promise<[object, BrowserSessionInfo]> {
    return this.browser.authenticate(request);
  }

  hasCredential(request: AuthRequest): boolean {
    return this.browser.hasSessionCookie(request);
  }

  failureToException(): AuthException {
    return new InvalidTokenException();
  }

  challenge(): undefined {
    return undefined;
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
