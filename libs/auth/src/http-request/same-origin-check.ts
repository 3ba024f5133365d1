import { Inject, Injectable } from '@nestjs/common';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedBrowserOptions } from '../options/browser-options.resolver.js';
import type { ResolvedThrottleOptions } from '../options/throttle-options.resolver.js';
import { CsrfFailedException } from '../errors/auth.exception.js';
import type { AuthRequest } from './auth-request.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Characters a `Host` value cannot hold, that would make `scheme://<host>` another URL's start. */
const NOT_A_HOST = /[/\\?#@\s]/;

/** The socket of an Express request, or of a Fastify request's raw one. */
interface RequestWithSocket extends AuthRequest {
  socket?: { encrypted?: boolean };
  raw?: { socket?: { encrypted?: boolean } };
}

/**
 * The serialized origin of an absolute http(s) URL (`https://host:8443`, default ports dropped), or
 * undefined for anything else: `null`, an opaque origin (`file:`, `data:`), a malformed value.
 */
function originOf(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
}

/**
 * The CSRF check of cookie-authenticated requests: with SameSite=Lax cookies, refusing state-changing
 * requests from other origins blocks cross-site form posts riding on the cookies.
 */
@Injectable()
export class SameOriginCheck {
  constructor(
    @Inject(AUTH_RESOLVED_OPTIONS)
    private readonly options: Pick<ResolvedBrowserOptions, 'browserSessions'> &
      Pick<ResolvedThrottleOptions, 'trustProxy'>,
  ) {}

  /**
   * Refuses a state-changing request that does not come from this site: its `Origin` (else its
   * `Referer`) must be the site's origin, the same scheme, host and port, or one of
   * `browserSessions.trustedOrigins`. `Origin: null`, a malformed value and neither header are refused.
   * The site is the request's `Host` with `https` when cookies are `secure` (browsers send them over
   * HTTPS only, whatever a TLS-terminating proxy forwards); otherwise the scheme the request came
   * by: TLS on the socket, or with `trustProxy` the `X-Forwarded-Proto` of the nearest trusted proxy.
   *
   * @throws CsrfFailedException
   */
  assertSameOrigin(request: AuthRequest): void {
    if (SAFE_METHODS.has((request.method ?? 'GET').toUpperCase())) return;
    const source = request.headers.origin ?? request.headers.referer;
    const origin = typeof source === 'string' ? originOf(source) : undefined;
    if (
      origin === undefined ||
      (origin !== this.siteOrigin(request) &&
        !this.options.browserSessions.trustedOrigins.includes(origin))
    ) {
      throw new CsrfFailedException();
    }
  }

  /** The serialized origin of the site the request was sent to, or undefined when unknown. */
  private siteOrigin(request: AuthRequest): string | undefined {
    const host = request.headers.host;
    if (typeof host !== 'string' || host.length === 0 || NOT_A_HOST.test(host)) return undefined;
    return originOf(`${this.schemeOf(request)}://${host}`);
  }

  private schemeOf(request: AuthRequest): 'http' | 'https' {
    if (this.options.browserSessions.secure) return 'https';
    const socket =
      (request as RequestWithSocket).socket ?? (request as RequestWithSocket).raw?.socket;
    const own = socket?.encrypted === true ? 'https' : 'http';
    const trusted = this.options.trustProxy;
    if (trusted <= 0) return own;
    const header = request.headers['x-forwarded-proto'];
    const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
      .split(',')
      .map((entry) => entry.trim().toLowerCase())
      .filter((entry) => entry.length > 0);
    // As for the client address: the entry n places from the right, so a client's own is never used.
    const chain = [...forwarded, own];
    const scheme = chain[Math.max(0, chain.length - 1 - trusted)];
    return scheme === 'https' ? 'https' : 'http';
  }
}
