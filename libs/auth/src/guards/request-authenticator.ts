import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedAuthOptions } from '../auth.resolved-options.js';
import { AuthException, TooManyAttemptsException } from '../errors/auth.exception.js';
import { asServiceUnavailable } from '../errors/is-service-unavailable-error.js';
import { bearerChallenge, insufficientScopeChallenge } from '../strategies/authorization-header.js';
import type { AuthRequest, StrategyVerdict } from '../strategies/credential-strategy.interface.js';
import { RegisteredStrategy, StrategyRegistry } from './strategy-registry.js';

/** What trying an ordered list of strategies on a request came to. */
export type AuthenticationOutcome =
  | { kind: 'user'; user: object; info?: object; strategy: string }
  | { kind: 'none' }
  | { kind: 'failure'; exception: AuthException; strategy: string };

/**
 * Runs strategies in order on a request. A strategy that finds no credential of its kind is skipped
 * ("not mine"); the first that finds one decides: a user, or a hard failure that stops the chain.
 * An outage of the database or Redis ({@link isServiceUnavailableError}) is a failure with a 503
 * `service_unavailable`; other errors that are not authentication failures (a bug) propagate unchanged.
 */
@Injectable()
export class RequestAuthenticator {
  constructor(
    private readonly registry: StrategyRegistry,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedAuthOptions,
  ) {}

  /**
   * Tries the strategies in `order`. A strategy with a direct path (`verifyDirectly`) decides without Passport's protocol, and the outcome
   * comes without a promise when it needed no read, so a guard can let the request through in the
   * same tick; the others run Passport's protocol.
   */
  authenticate(
    request: AuthRequest,
    order: readonly string[],
  ): AuthenticationOutcome | Promise<AuthenticationOutcome> {
    for (const name of order) {
      const strategy = this.registry.get(name);
      if (strategy.verifyIfPresent && strategy.verifyDirectly) {
        const outcome = runDirectly(strategy, request, strategy.verifyIfPresent);
        if (outcome !== undefined) return outcome;
        continue;
      }
      if (!strategy.hasCredential(request)) continue;
      if (strategy.verifyDirectly) return runDirectly(strategy, request, strategy.verifyDirectly)!;
      return runStrategy(strategy, request).catch((error: unknown) => outageOrThrow(error, name));
    }
    return NO_CREDENTIAL;
  }

  /**
   * The `WWW-Authenticate` value for a 401 from these strategies, describing `failure` if any. One
   * challenge per scheme: when two strategies share one (JWT and API keys are both Bearer), the failing
   * strategy's, which carries the error, wins.
   */
  challenge(
    order: readonly string[],
    failure?: { exception: AuthException; strategy: string },
  ): string | undefined {
    const byScheme = new Map<string, string>();
    for (const name of order) {
      const failing = failure?.strategy === name;
      const challenge = this.registry
        .get(name)
        .challenge(this.options.realm, failing ? failure.exception : undefined);
      if (challenge === undefined) continue;
      const scheme = challenge.split(' ', 1)[0].toLowerCase();
      if (!byScheme.has(scheme) || failing) byScheme.set(scheme, challenge);
    }
    return byScheme.size ? [...byScheme.values()].join(', ') : undefined;
  }

  /**
   * The `WWW-Authenticate` value for an answer that did not come from a strategy (a malformed Bearer
   * header, a refused refresh token, a wrong current password): the strategies' challenges, with
   * `exception` described by the first Bearer one. Never undefined: with no strategy that challenges
   * (cookies only), the Bearer challenge of the tokens Portcullis issues.
   */
  challengeFor(order: readonly string[], exception: AuthException): string {
    const bearer = order.find((name) =>
      this.registry.get(name).challenge(this.options.realm)?.toLowerCase().startsWith('bearer '),
    );
    return (
      this.challenge(order, bearer ? { exception, strategy: bearer } : undefined) ??
      bearerChallenge(this.options.realm, exception)
    );
  }

  /** The `WWW-Authenticate` value of a 403 for a credential whose scopes lack `scopes` (RFC 6750). */
  scopeChallenge(scopes: readonly string[]): string {
    return insufficientScopeChallenge(this.options.realm, scopes);
  }

  /** Lets the deciding strategy add to the response (renewed cookies, cleared cookies). */
  finish(response: unknown, outcome: AuthenticationOutcome): void {
    if (outcome.kind === 'none') return;
    const strategy = this.registry.get(outcome.strategy);
    if (!strategy.writeResponse) return;
    if (outcome.kind === 'user') strategy.writeResponse(response, outcome.info);
    else strategy.writeResponse(response, undefined, outcome.exception);
  }

  /** Adds the headers an error answer needs besides its body: `Retry-After` on a 429. */
  writeErrorHeaders(response: unknown, exception: AuthException): void {
    if (exception instanceof TooManyAttemptsException) {
      this.setHeader(response, 'Retry-After', String(exception.retryAfter));
    }
  }

  /** Sets a response header on Express or Fastify. */
  setHeader(response: unknown, name: string, value: string): void {
    this.adapterHost.httpAdapter.setHeader(response, name, value);
  }
}

const NO_CREDENTIAL: AuthenticationOutcome = Object.freeze({ kind: 'none' });

/**
 * A strategy that could not reach the database or Redis cannot vouch for the credential: a 503, never
 * a 500 with the driver's message, and never a pass. Any other error is a bug and propagates.
 */
function outageOrThrow(error: unknown, strategy: string): AuthenticationOutcome {
  const answered = asServiceUnavailable(error);
  if (answered === error) throw error;
  return { kind: 'failure', exception: answered as AuthException, strategy };
}

/**
 * Runs a strategy's direct path (`verifyDirectly` or `verifyIfPresent`), mapping its answers the way
 * {@link runStrategy} maps Passport's: a verdict with a user is `success()`, one without is `fail()`,
 * a thrown `AuthException` is `error()` with an authentication failure, anything else an outage or a
 * bug. Undefined when `verify` found no credential of its kind.
 */
function runDirectly(
  strategy: RegisteredStrategy,
  request: AuthRequest,
  verify: (request: AuthRequest) => StrategyVerdict | Promise<StrategyVerdict> | undefined,
): AuthenticationOutcome | Promise<AuthenticationOutcome> | undefined {
  const name = strategy.strategyName;
  const failed = (error: unknown): AuthenticationOutcome =>
    error instanceof AuthException
      ? { kind: 'failure', exception: error, strategy: name }
      : outageOrThrow(error, name);
  let verdict: StrategyVerdict | Promise<StrategyVerdict> | undefined;
  try {
    verdict = verify.call(strategy, request);
  } catch (error) {
    return failed(error);
  }
  if (verdict === undefined) return undefined;
  return verdict instanceof Promise
    ? verdict.then((settled) => decided(strategy, settled), failed)
    : decided(strategy, verdict);
}

function decided(
  strategy: RegisteredStrategy,
  [user, info]: StrategyVerdict,
): AuthenticationOutcome {
  const name = strategy.strategyName;
  if (!user) {
    return { kind: 'failure', exception: strategy.failureToException(undefined), strategy: name };
  }
  return { kind: 'user', user, info: info ?? { strategy: name }, strategy: name };
}

/**
 * Runs one Passport strategy on a request without Passport's middleware or its process-wide registry:
 * the same augment-and-call protocol `passport.authenticate()` uses.
 */
function runStrategy(
  strategy: RegisteredStrategy,
  request: AuthRequest,
): Promise<AuthenticationOutcome> {
  return new Promise((resolve, reject) => {
    const attempt = Object.create(strategy) as RegisteredStrategy;
    const name = strategy.strategyName;
    attempt.success = (user: object, info?: object) =>
      resolve({ kind: 'user', user, info: info ?? { strategy: name }, strategy: name });
    attempt.fail = (challenge?: unknown, status?: number) => {
      const failure = typeof challenge === 'number' ? undefined : challenge;
      const code = typeof challenge === 'number' ? challenge : status;
      resolve({
        kind: 'failure',
        exception: strategy.failureToException(failure, code),
        strategy: name,
      });
    };
    attempt.error = (error: unknown) => {
      if (error instanceof AuthException)
        resolve({ kind: 'failure', exception: error, strategy: name });
      else reject(error);
    };
    attempt.pass = () => resolve({ kind: 'none' });
    attempt.redirect = () => reject(new Error(`Portcullis: strategy ${name} tried to redirect`));
    try {
      attempt.authenticate(request as never, {});
    } catch (error) {
      reject(error);
    }
  });
}
