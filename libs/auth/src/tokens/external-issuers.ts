import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedExternalIssuer } from '../auth.resolved-options.js';
import type { ResolvedJwtOptions } from '../options/jwt-options.resolver.js';
import {
  AuthServiceUnavailableException,
  InvalidTokenException,
  TokenExpiredException,
} from '../errors/auth.exception.js';

type KeySet = ReturnType<typeof createRemoteJWKSet>;

/** The unverified `iss` of a compact JWT, to route it to its verifier. */
export function unverifiedIssuer(token: string): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
    const issuer = (payload as { iss?: unknown } | null)?.iss;
    return typeof issuer === 'string' ? issuer : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when `iat` (if any) is not later than now + leeway and the token lives at most `longest` +
 * leeway seconds from its `iat` (or from now). jose has checked that `exp` and `iat` are numbers; the
 * comparisons are written so that Infinity and NaN fail.
 */
function plausibleLifetime(payload: JWTPayload, longest: number, leeway: number): boolean {
  const now = Date.now() / 1000;
  const { iat, exp } = payload as { iat?: number; exp: number };
  if (iat !== undefined && !(iat <= now + leeway)) return false;
  return exp - (iat ?? now) <= longest + leeway;
}

/**
 * Verifies access tokens of configured outside issuers with their JWKS (jose's remote key set: keys
 * cached, an unknown `kid` refetches at most every 30 s, 5 s fetch timeout). Only the configured URL is
 * ever fetched: `jku`, `x5u` and embedded `jwk` headers are ignored.
 */
@Injectable()
export class ExternalIssuers {
  private readonly byIssuer = new Map<string, { config: ResolvedExternalIssuer; keys: KeySet }>();

  constructor(@Inject(AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedJwtOptions) {
    for (const config of options.externalIssuers) {
      const keys = createRemoteJWKSet(config.jwksUrl, {
        cooldownDuration: 30_000,
        timeoutDuration: 5_000,
      });
      this.byIssuer.set(config.issuer, { config, keys });
    }
  }

  /** The configured issuer of this token (by its unverified `iss`), if any. */
  issuerOf(token: string): ResolvedExternalIssuer | undefined {
    if (this.byIssuer.size === 0) return undefined;
    const issuer = unverifiedIssuer(token);
    return issuer === undefined ? undefined : this.byIssuer.get(issuer)?.config;
  }

  /** True when any outside issuer is configured. */
  get configured(): boolean {
    return this.byIssuer.size > 0;
  }

  /** The configured outside issuer named `issuer` (a verified token's `iss`), if any. */
  byName(issuer: string): ResolvedExternalIssuer | undefined {
    return this.byIssuer.get(issuer)?.config;
  }

  /**
   * Verifies signature, `iss`, `aud`, `exp` and `nbf` (with the leeway), and that the token claims no
   * more than the issuer's `maxTokenLifetime` and was not issued in the future.
   *
   * @throws TokenExpiredException, InvalidTokenException, or AuthServiceUnavailableException when the
   * issuer's keys cannot be fetched
   */
  async verify(token: string, issuer: ResolvedExternalIssuer): Promise<JWTPayload> {
    const entry = this.byIssuer.get(issuer.issuer);
    if (!entry) throw new InvalidTokenException();
    try {
      const { payload } = await jwtVerify(token, entry.keys, {
        issuer: issuer.issuer,
        audience: issuer.audience,
        algorithms: issuer.algorithms,
        clockTolerance: this.options.jwt.leeway,
        requiredClaims: ['exp', issuer.subjectClaim],
      });
      if (!plausibleLifetime(payload, issuer.maxTokenLifetime, this.options.jwt.leeway)) {
        throw new InvalidTokenException();
      }
      return payload;
    } catch (error) {
      if (error instanceof InvalidTokenException) throw error;
      if (error instanceof errors.JWTExpired) throw new TokenExpiredException();
      // The issuer's keys could not be fetched: whether the token is good is unknown, so refuse with 503.
      if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
        throw new AuthServiceUnavailableException('The identity provider cannot be reached.');
      }
      throw new InvalidTokenException();
    }
  }
}
