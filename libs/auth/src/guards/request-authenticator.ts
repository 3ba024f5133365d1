import { Inject, Injectable, Optional } from '@nestjs/common';
import { VerifiedEmails } from '../account-flows/verified-emails.js';
import { HttpAdapterHost } from '@nestjs/core';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedBrowserOptions } from '../options/browser-options.resolver.js';
import {
  AuthException,
  EmailNotVerifiedException,
  TooManyAttemptsException,
} from '../errors/auth.exception.js';
import { asServiceUnavailable } from '../errors/is-service-unavailable-error.js';
import { andThen, firstAnswer, settle, type MaybeAsync } from '../common/maybe-async.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import type {
  CredentialStrategy,
  StrategyVerdict,
} from '../strategies/credential-strategy.interface.js';
import { bearerChallenge, insufficientScopeChallenge } from '../strategies/www-authenticate.js';
import { StrategyEntry, StrategyRegistry } from './strategy-registry.js';

/** What trying an ordered list of strategies on a request came to. */
export type AuthenticationOutcome =
  | { kind: 'user'; user: object; info: object; strategy: CredentialStrategy }
  | { kind: 'none' }
  | { kind: 'failure'; exception: AuthException; strategy: CredentialStrategy };

/** A hard failure and the strategy whose credential it was (absent: no strategy's). */
export interface AuthenticationFailure {
  exception: AuthException;
  strategy?: CredentialStrategy;
}

/**
 * Runs a chain of strategies on a request, the one loop of Portcullis' guards. A strategy that finds
 * no credential of its kind is skipped ("not mine"); the first that finds one decides: a user, or a
 * hard failure that stops the chain. An outage of the database or Redis
 * ({@link isServiceUnavailableError}) is a failure with a 503 `service_unavailable`; other errors that
 * are not authentication failures (a bug) propagate unchanged.
 */
@Injectable()
export class RequestAuthenticator {
  /** With `requireVerifiedEmail`: who may pass; undefined (no cost) otherwise. */
  private readonly verifiedEmails: VerifiedEmails | undefined;

  /** {@link RequestAuthenticator.admitted}, built once. */
  private readonly admit = (outcome: AuthenticationOutcome): MaybeAsync<AuthenticationOutcome> =>
    this.admitted(outcome);

  constructor(
    private readonly registry: StrategyRegistry,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(AUTH_RESOLVED_OPTIONS) private readonly options: Pick<ResolvedBrowserOptions, 'realm'>,
    @Optional() verifiedEmails?: VerifiedEmails,
  ) {
    this.verifiedEmails = verifiedEmails?.required ? verifiedEmails : undefined;
  }

  /** The `strategies` option's chain. */
  get chain(): readonly CredentialStrategy[] {
    return this.registry.chain;
  }

  /**
   * The strategies `entries` name, in order (resolve once and keep the chain: this checks each).
   *
   * @throws AuthConfigurationError for an entry that is not available
   */
  chainOf(entries: readonly StrategyEntry[]): readonly CredentialStrategy[] {
    return this.registry.resolve(entries);
  }

  /**
   * Tries the strategies of `chain` (by default the `strategies` option's) in order. The outcome
   * comes without a promise when the deciding strategy needed no read, so a guard can let the request
   * through in the same tick.
   */
  authenticate(
    request: AuthRequest,
    chain: readonly CredentialStrategy[] = this.registry.chain,
  ): MaybeAsync<AuthenticationOutcome> {
    const outcome = andThen(firstAnswer(chain, request, ask), noneIfUndefined, undefined);
    return this.verifiedEmails ? andThen(outcome, this.admit, undefined) : outcome;
  }

  /**
   * With `requireVerifiedEmail`, a user whose address is not verified is a 403
   * `email_not_verified`, whatever credential they came with (a session from before the option, an
   * API key). An outage while checking is a 503.
   */
  private admitted(outcome: AuthenticationOutcome): MaybeAsync<AuthenticationOutcome> {
    if (outcome.kind !== 'user' || !this.verifiedEmails) return outcome;
    const { strategy } = outcome;
    return settle(
      (emails: VerifiedEmails, user: object) => emails.isVerified(user),
      this.verifiedEmails,
      outcome.user,
      (verified): AuthenticationOutcome =>
        verified
          ? outcome
          : {
              kind: 'failure',
              exception: new EmailNotVerifiedException(
                'Confirm your email address first: sign in again to get a new confirmation link.',
              ),
              strategy,
            },
      (error) => failed(error, strategy),
    );
  }

  /**
   * The `WWW-Authenticate` value for a 401 from these strategies, describing `failure` if any. One
   * challenge per scheme: when two strategies share one (JWT and API keys are both Bearer), the failing
   * strategy's, which carries the error, wins.
   */
  challenge(
    chain: readonly CredentialStrategy[],
    failure?: AuthenticationFailure,
  ): string | undefined {
    const byScheme = new Map<string, string>();
    for (const strategy of chain) {
      const failing = failure?.strategy === strategy;
      const challenge = strategy.challenge?.(
        this.options.realm,
        failing ? failure.exception : undefined,
      );
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
  challengeFor(chain: readonly CredentialStrategy[], exception: AuthException): string {
    const bearer = chain.find((strategy) =>
      strategy.challenge?.(this.options.realm)?.toLowerCase().startsWith('bearer '),
    );
    return (
      this.challenge(chain, bearer ? { exception, strategy: bearer } : undefined) ??
      bearerChallenge(this.options.realm, exception)
    );
  }

  /** The `WWW-Authenticate` value of a 403 for a credential whose scopes lack `scopes` (RFC 6750). */
  scopeChallenge(scopes: readonly string[]): string {
    return insufficientScopeChallenge(this.options.realm, scopes);
  }

  /** Lets the deciding strategy add to the response (renewed cookies, cleared cookies). */
  finish(response: unknown, outcome: AuthenticationOutcome): void {
    if (outcome.kind === 'none' || !outcome.strategy.writeResponse) return;
    if (outcome.kind === 'user') outcome.strategy.writeResponse(response, outcome.info);
    else outcome.strategy.writeResponse(response, undefined, outcome.exception);
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

function noneIfUndefined(outcome: AuthenticationOutcome | undefined): AuthenticationOutcome {
  return outcome ?? NO_CREDENTIAL;
}

/** One strategy's answer as an outcome; undefined for "not mine". */
function ask(
  strategy: CredentialStrategy,
  request: AuthRequest,
): MaybeAsync<AuthenticationOutcome | undefined> {
  return settle(authenticateWith, strategy, request, decided, failed);
}

function authenticateWith(
  strategy: CredentialStrategy,
  request: AuthRequest,
): MaybeAsync<StrategyVerdict | undefined> {
  return strategy.authenticateRequest(request);
}

function decided(
  verdict: StrategyVerdict | undefined,
  strategy: CredentialStrategy,
): AuthenticationOutcome | undefined {
  if (verdict === undefined) return undefined;
  const [user, info = { strategy: strategy.strategyName }] = verdict;
  // A verdict without a user is the strategy's bug: it must never let a request in.
  if (typeof user !== 'object' || user === null) throw new VerdictWithoutUserError(strategy);
  return { kind: 'user', user, info, strategy };
}

/**
 * A strategy's error as an outcome: an `AuthException` is its hard failure; an outage of the database
 * or Redis cannot vouch for the credential, so it is a 503, never a 500 with the driver's message,
 * and never a pass. Any other error is a bug and propagates.
 */
function failed(error: unknown, strategy: CredentialStrategy): AuthenticationOutcome {
  const answered = asServiceUnavailable(error);
  if (!(answered instanceof AuthException)) throw error;
  return { kind: 'failure', exception: answered, strategy };
}

/** A strategy answered a verdict whose user is not an object (a bug in that strategy). */
class VerdictWithoutUserError extends Error {
  constructor(strategy: CredentialStrategy) {
    super(
      `Portcullis: strategy ${strategy.strategyName} answered a verdict without a user; answer undefined for "not mine" or throw an AuthException.`,
    );
  }
}
