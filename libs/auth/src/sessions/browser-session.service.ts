import { Inject, Injectable } from '@nestjs/common';
import { parse, serialize, type SerializeOptions } from 'cookie';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedAuthOptions } from '../auth.resolved-options.js';
import { JwtBackend } from '../backends/jwt.backend.js';
import {
  AuthException,
  CsrfFailedException,
  InvalidGrantException,
  InvalidTokenException,
} from '../errors/auth.exception.js';
import { AuthErrorCode } from '../errors/auth-error-code.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { UserCache } from '../users/user-cache.js';
import { UserService } from '../users/user.service.js';
import { IssuedTokens, SessionService } from './session.service.js';

/** What the cookie strategy says about a request it authenticated: put on `request.authInfo`. */
export interface BrowserSessionInfo {
  strategy: 'cookie';
  sessionId: string;
  /** A pair issued because the access cookie had expired; the guard writes it as new cookies. */
  renewed?: IssuedTokens;
}

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
 * The browser side of sessions: the access and refresh tokens travel in HttpOnly, SameSite=Lax cookies
 * (`Secure` and `__Host-` prefixed unless `browserSessions.secure` is off), an expired access cookie is
 * renewed from the refresh cookie, and state-changing requests must come from the site's own origin
 * (the `Origin` header, else `Referer`) or a trusted one: with SameSite=Lax, that blocks cross-site
 * form posts riding on the cookies.
 */
@Injectable()
export class BrowserSessionService<TUser extends object = AuthUser> {
  /** Cookie holding the access token. */
  readonly accessCookie: string;
  /** Cookie holding the refresh token. */
  readonly refreshCookie: string;

  constructor(
    @Inject(AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedAuthOptions,
    private readonly jwt: JwtBackend<TUser>,
    private readonly sessions: SessionService,
    private readonly users: UserService<TUser>,
    private readonly cache: UserCache<TUser>,
  ) {
    this.accessCookie = `${options.browserSessions.cookiePrefix}_access`;
    this.refreshCookie = `${options.browserSessions.cookiePrefix}_refresh`;
  }

  /** The session cookies of a request. */
  readCookies(request: AuthRequest): { access?: string; refresh?: string } {
    const header = request.headers.cookie;
    if (typeof header !== 'string' || header.length === 0) return {};
    const cookies = parse(header);
    return { access: cookies[this.accessCookie], refresh: cookies[this.refreshCookie] };
  }

  /** True when the request carries a session cookie. */
  hasSessionCookie(request: AuthRequest): boolean {
    const { access, refresh } = this.readCookies(request);
    return Boolean(access || refresh);
  }

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

  /**
   * Authenticates a request by its cookies: the access cookie when it is good, else a refresh from the
   * refresh cookie (whose new pair the caller writes back as cookies).
   *
   * @throws CsrfFailedException, TokenRevokedException, InvalidTokenException
   */
  async authenticate(request: AuthRequest): Promise<[TUser, BrowserSessionInfo]> {
    this.assertSameOrigin(request);
    const { access, refresh } = this.readCookies(request);
    if (access) {
      try {
        const [user, info] = await this.jwt.authenticateToken(access);
        // Only Portcullis' own session tokens belong in these cookies.
        if (!info.sessionId) throw new InvalidTokenException();
        return [user, { strategy: 'cookie', sessionId: info.sessionId }];
      } catch (error) {
        const renewable =
          error instanceof AuthException && error.code === AuthErrorCode.TokenExpired && refresh;
        if (!renewable) throw error;
      }
    }
    if (!refresh) throw new InvalidTokenException();
    let renewed: IssuedTokens;
    try {
      renewed = await this.sessions.refresh(refresh);
    } catch (error) {
      if (error instanceof InvalidGrantException) {
        throw new InvalidTokenException('The browser session has ended.');
      }
      throw error;
    }
    const id = this.users.parseId(renewed.userId);
    const user = id === undefined ? null : await this.cache.get(id);
    if (!user || (user as AuthUser).isActive === false) throw new InvalidTokenException();
    return [user, { strategy: 'cookie', sessionId: renewed.sessionId, renewed }];
  }

  /**
   * Ends the session the request's cookies belong to (identified by a verified access or refresh
   * token), if any. The caller clears the cookies.
   */
  async endSession(request: AuthRequest): Promise<void> {
    const { access, refresh } = this.readCookies(request);
    let sessionId: string | undefined;
    if (access) {
      try {
        sessionId = (await this.jwt.authenticateToken(access))[1].sessionId;
      } catch {
        sessionId = undefined;
      }
    }
    sessionId ??= refresh ? this.sessions.sessionOfRefreshToken(refresh) : undefined;
    if (sessionId) await this.sessions.end(sessionId, 'logout');
  }

  /** Sets the session cookies from a token pair. */
  writeSession(response: unknown, issued: IssuedTokens): void {
    const refreshLifetime = this.options.jwt.refreshTokenIdleTtl;
    appendSetCookie(response, [
      serialize(this.accessCookie, issued.access_token, this.attributes(issued.expires_in)),
      serialize(this.refreshCookie, issued.refresh_token, this.attributes(refreshLifetime)),
    ]);
  }

  /** Removes the session cookies. */
  clear(response: unknown): void {
    appendSetCookie(response, [
      serialize(this.accessCookie, '', this.attributes(0)),
      serialize(this.refreshCookie, '', this.attributes(0)),
    ]);
  }

  private attributes(maxAge: number): SerializeOptions {
    return {
      httpOnly: true,
      secure: this.options.browserSessions.secure,
      sameSite: 'lax',
      path: '/',
      maxAge,
    };
  }
}

/**
 * Adds `Set-Cookie` values without dropping ones already set: Express appends with `res.append`,
 * Fastify's `reply.header('set-cookie', ...)` appends by itself.
 */
function appendSetCookie(response: unknown, values: string[]): void {
  const target = response as {
    append?: (name: string, value: string[]) => void;
    header: (name: string, value: string) => void;
  };
  if (typeof target.append === 'function') {
    target.append('Set-Cookie', values);
    return;
  }
  for (const value of values) target.header('set-cookie', value);
}
