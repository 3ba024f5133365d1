import type { AuthException } from '../errors/auth.exception.js';

/** The parts of an HTTP request (Express or Fastify) that Portcullis reads. */
export interface AuthRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The client address as the HTTP adapter sees it. */
  ip?: string;
  method?: string;
  url?: string;
  originalUrl?: string;
  body?: unknown;
  user?: unknown;
  /** What the strategy that authenticated the request says about it (e.g. the session of a token). */
  authInfo?: unknown;
}

/** A strategy's verdict on a credential it accepted: the user, and what goes on `request.authInfo`. */
export type StrategyVerdict = [user: object, info?: object];

/**
 * What `LoginRequiredGuard` needs from a strategy besides Passport's `authenticate()`: whether a
 * credential of its kind is present ("not mine" when not), how to describe its failures, and its
 * `WWW-Authenticate` challenge.
 */
export interface CredentialStrategy {
  /** The strategy name used in the `strategies` option. */
  readonly strategyName: string;
  /** True when the request carries a credential of this strategy's kind, good or bad. */
  hasCredential(request: AuthRequest): boolean;
  /** Turns a Passport `fail()` of this strategy into the exception the client sees. */
  failureToException(challenge: unknown, status?: number): AuthException;
  /** This strategy's `WWW-Authenticate` challenge, describing `failure` when it caused the 401. */
  challenge(realm: string, failure?: AuthException): string | undefined;
  /**
   * Optional: decides a request that {@link CredentialStrategy.hasCredential} accepted the way the
   * strategy's Passport `authenticate()` protocol would (the user and info, or a thrown
   * `AuthException` where Passport's `fail()` or `error()` would be called), without Passport's
   * per-request strategy object, callbacks and promises, and without a promise at all when nothing
   * needs a read. Portcullis' bearer strategies provide it unless a subclass overrides their Passport
   * hooks; without it the guard runs the Passport protocol.
   */
  readonly verifyDirectly?: (request: AuthRequest) => StrategyVerdict | Promise<StrategyVerdict>;
  /**
   * Optional: {@link CredentialStrategy.hasCredential} and {@link CredentialStrategy.verifyDirectly}
   * in one pass, so the credential is read once: undefined when the request carries no credential of
   * this kind ("not mine"), otherwise what `verifyDirectly` answers. Used instead of both when both
   * it and `verifyDirectly` are present.
   */
  readonly verifyIfPresent?: (
    request: AuthRequest,
  ) => StrategyVerdict | Promise<StrategyVerdict> | undefined;
  /** Adds what the strategy needs to the response (e.g. renewed cookies) once it has decided. */
  writeResponse?(response: unknown, info: unknown, failure?: AuthException): void;
}
