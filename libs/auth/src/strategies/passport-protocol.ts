import { settle, type MaybeAsync } from '../common/maybe-async.js';
import { AuthErrorCode } from '../errors/auth-error-code.js';
import {
  AuthException,
  InvalidRequestException,
  TooManyAttemptsException,
} from '../errors/auth.exception.js';
import { isMalformedBearer } from '../http-request/authorization-header.js';
import { asServiceUnavailable } from '../errors/is-service-unavailable-error.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import {
  removeResponseHeader,
  responseOf,
  setResponseHeader,
} from '../http-request/response-of.js';
import type { CredentialStrategy, StrategyVerdict } from './credential-strategy.interface.js';

/** The actions Passport's middleware gives the per-request copy of a strategy. */
export interface PassportActions {
  success(user: object, info?: object): void;
  fail(challenge?: unknown, status?: number): void;
  error(error: unknown): void;
}

/**
 * A built-in strategy's Passport `authenticate()`: runs the strategy's
 * {@link CredentialStrategy.authenticateRequest} and reports its verdict through Passport's actions,
 * so that `@nestjs/passport`'s `AuthGuard('portcullis-…')` decides a request as Portcullis' guards do.
 * A user is `success()`; "not mine" is `fail()` (so Passport may try the next strategy of an
 * `AuthGuard([...])`); a hard failure is `error()` with the `AuthException`, which `AuthGuard` throws
 * as it is, so the client gets Portcullis' status and body. The `WWW-Authenticate` challenge (and
 * `Retry-After`) go on the response, which an exception cannot carry.
 */
export function answerPassport(
  attempt: CredentialStrategy & PassportActions,
  request: AuthRequest,
  realm: string,
  readsBearer = false,
): void {
  const report = { attempt, realm, response: responseOf(request), request, readsBearer };
  void settle(authenticateWith, report, request, succeed, fail);
}

/** What reporting one request to Passport needs. */
interface PassportReport {
  attempt: CredentialStrategy & PassportActions;
  realm: string;
  response: unknown;
  request: AuthRequest;
  /** The strategy reads `Authorization: Bearer`, so a malformed one is its 400 (RFC 6750 3.1). */
  readsBearer: boolean;
}

function authenticateWith(
  report: PassportReport,
  request: AuthRequest,
): MaybeAsync<StrategyVerdict | undefined> {
  return report.attempt.authenticateRequest(request);
}

function succeed(verdict: StrategyVerdict | undefined, report: PassportReport): void {
  const { attempt, realm, response } = report;
  if (verdict === undefined) {
    // Portcullis' guard answers a malformed Bearer value no strategy claimed with a 400; so does this.
    if (report.readsBearer && isMalformedBearer(report.request.headers.authorization)) {
      fail(new InvalidRequestException(), report);
      return;
    }
    const challenge = attempt.challenge?.(realm);
    if (challenge !== undefined) setResponseHeader(response, 'WWW-Authenticate', challenge);
    attempt.fail(challenge, 401);
    return;
  }
  const [user, info = { strategy: attempt.strategyName }] = verdict;
  if (typeof user !== 'object' || user === null) {
    attempt.error(new Error(`Portcullis: strategy ${attempt.strategyName} answered no user.`));
    return;
  }
  // An earlier strategy of an `AuthGuard([...])` chain may have challenged; this one let the caller in.
  removeResponseHeader(response, 'WWW-Authenticate');
  if (response !== undefined) attempt.writeResponse?.(response, info);
  attempt.success(user, info);
}

function fail(error: unknown, report: PassportReport): void {
  const { attempt, realm, response } = report;
  const failure = asServiceUnavailable(error);
  if (failure instanceof AuthException) {
    writeFailureHeaders(attempt, response, realm, failure);
    if (response !== undefined) attempt.writeResponse?.(response, undefined, failure);
  }
  attempt.error(failure);
}

function writeFailureHeaders(
  strategy: CredentialStrategy,
  response: unknown,
  realm: string,
  failure: AuthException,
): void {
  if (failure.getStatus() === 401 || failure.code === AuthErrorCode.InvalidRequest) {
    const challenge = strategy.challenge?.(realm, failure);
    if (challenge !== undefined) setResponseHeader(response, 'WWW-Authenticate', challenge);
  }
  if (failure instanceof TooManyAttemptsException) {
    setResponseHeader(response, 'Retry-After', String(failure.retryAfter));
  }
}
