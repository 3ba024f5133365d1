import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { BASIC_STRATEGY, JWT_STRATEGY, PASSWORD_STRATEGY } from '../auth.constants.js';
import { ValidationFailedException } from '../errors/auth.exception.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import type { CredentialStrategy } from '../strategies/credential-strategy.interface.js';
import { RequestAuthenticator } from './request-authenticator.js';

const LOGIN_ORDER = [PASSWORD_STRATEGY, BASIC_STRATEGY] as const;

/**
 * Guards the login route: authenticates the handle and password from a JSON or form body, or from an
 * `Authorization: Basic` header, and puts the user on the request. A request with neither is a 400
 * `validation_failed`; a bad pair is a 401 `invalid_credentials`.
 */
@Injectable()
export class LoginCredentialsGuard implements CanActivate {
  private loginChain?: readonly CredentialStrategy[];
  private basicChain?: readonly CredentialStrategy[];
  private bearerChain?: readonly CredentialStrategy[];

  constructor(private readonly authenticator: RequestAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<AuthRequest>();
    this.loginChain ??= this.authenticator.chainOf(LOGIN_ORDER);
    const outcome = await this.authenticator.authenticate(request, this.loginChain);
    if (outcome.kind === 'user') {
      request.user = outcome.user;
      request.authInfo = outcome.info;
      return true;
    }
    if (outcome.kind === 'none') {
      throw new ValidationFailedException([
        {
          field: 'body',
          message:
            'Send the login handle and password in a JSON or form body, or in an Authorization: Basic header.',
        },
      ]);
    }
    if (outcome.exception.getStatus() === 401) {
      // A body login is answered with the Bearer challenge only: a Basic challenge would make browsers
      // open their own login dialog over a page's login form.
      const chain =
        outcome.strategy.strategyName === BASIC_STRATEGY
          ? (this.basicChain ??= this.authenticator.chainOf([BASIC_STRATEGY]))
          : (this.bearerChain ??= this.authenticator.chainOf([JWT_STRATEGY]));
      const challenge = this.authenticator.challenge(chain);
      if (challenge)
        this.authenticator.setHeader(http.getResponse(), 'WWW-Authenticate', challenge);
    }
    this.authenticator.writeErrorHeaders(http.getResponse(), outcome.exception);
    throw outcome.exception;
  }
}
