import type { MaybeAsync } from '../common/maybe-async.js';
import type { AuthException } from '../errors/auth.exception.js';
import type { AuthRequest } from '../http-request/auth-request.js';

/** A strategy's verdict on a credential it accepted: the user, and what goes on `request.authInfo`. */
export type StrategyVerdict = [user: object, info?: object];

/**
 * The one protocol every strategy in the chain implements, built-in or an application's own. Asked
 * in the order of the `strategies` option, a strategy reads the request and answers one of three
 * things:
 *
 * - **not mine**: `undefined`, when the request carries no credential of its kind; the next strategy
 *   is asked;
 * - **a user**: `[user, info]`, where `info` goes on `request.authInfo` (give it a `strategy` field
 *   naming the strategy; without `info` it is `{ strategy: strategyName }`);
 * - **hard failure**: it throws an `AuthException` (such as `InvalidTokenException`) for a credential
 *   of its kind that is bad, expired or revoked; the chain stops and the client gets that answer.
 *
 * It answers synchronously when nothing needs I/O (a token seen before, its user cached), else with a
 * promise. An error that is not an `AuthException` is an outage when it comes from the database or
 * Redis (the client gets 503 `service_unavailable`) and a bug otherwise (500); never a pass.
 *
 * Portcullis' built-in strategies are Passport strategies too (`portcullis-jwt`, ...), whose Passport
 * `authenticate()` runs this same method, so `@nestjs/passport`'s `AuthGuard('portcullis-jwt')`
 * decides every request the way `LoginRequiredGuard` does.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class ClientCertificateStrategy implements CredentialStrategy {
 *   readonly strategyName = 'client-certificate';
 *   constructor(private readonly devices: DeviceService) {}
 *
 *   authenticateRequest(request: AuthRequest) {
 *     const fingerprint = request.headers['x-client-cert-sha256'];
 *     if (typeof fingerprint !== 'string') return undefined; // not mine
 *     return this.devices.ownerOf(fingerprint).then((owner) => {
 *       if (!owner) throw new InvalidTokenException('Unknown client certificate.');
 *       return [owner, { strategy: this.strategyName, fingerprint }] as StrategyVerdict;
 *     });
 *   }
 * }
 * // AuthModule.forRoot({ strategies: ['jwt', ClientCertificateStrategy], ... }),
 * // with ClientCertificateStrategy in the providers of one of the application's modules.
 * ```
 */
export interface CredentialStrategy {
  /**
   * The strategy's name, unique in the chain: what `request.authInfo.strategy` carries (a built-in
   * strategy is also registered in Passport as `portcullis-<name>`).
   */
  readonly strategyName: string;
  /** Reads the request and answers "not mine" (`undefined`), a user, or throws a hard failure. */
  authenticateRequest(request: AuthRequest): MaybeAsync<StrategyVerdict | undefined>;
  /**
   * Optional: this strategy's `WWW-Authenticate` challenge, describing `failure` when it caused the
   * 401. Strategies without one (cookies, body passwords) add nothing to the header.
   */
  challenge?(realm: string, failure?: AuthException): string | undefined;
  /**
   * Optional: adds what the strategy needs to the response once it has decided (renewed cookies, or
   * cleared ones after a failure). `response` is Express' `Response` or Fastify's `FastifyReply`.
   */
  writeResponse?(response: unknown, info: unknown, failure?: AuthException): void;
}
