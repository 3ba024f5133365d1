import { Inject, Injectable } from '@nestjs/common';
import { parse, serialize, type SerializeOptions } from 'cookie';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedBrowserOptions } from '../options/browser-options.resolver.js';
import type { ResolvedSessionOptions } from '../options/session-options.resolver.js';
import type { AuthRequest } from './auth-request.js';

/** The session cookies a request carries (either may be absent). */
export interface SessionCookieValues {
  access?: string;
  refresh?: string;
}

/** A token pair as the session cookies hold it. */
export interface SessionCookiePair {
  access_token: string;
  refresh_token: string;
  /** Seconds the access token lives: the access cookie's `Max-Age`. */
  expires_in: number;
}

/**
 * The browser-session cookies: the access and refresh tokens travel in HttpOnly, SameSite=Lax cookies
 * (`Secure` and `__Host-` prefixed unless `browserSessions.secure` is off), read from requests and
 * written to Express responses or Fastify replies.
 */
@Injectable()
export class SessionCookies {
  /** Cookie holding the access token. */
  readonly accessCookie: string;
  /** Cookie holding the refresh token. */
  readonly refreshCookie: string;

  constructor(
    @Inject(AUTH_RESOLVED_OPTIONS)
    private readonly options: Pick<ResolvedBrowserOptions, 'browserSessions'> &
      Pick<ResolvedSessionOptions, 'jwt'>,
  ) {
    this.accessCookie = `${options.browserSessions.cookiePrefix}_access`;
    this.refreshCookie = `${options.browserSessions.cookiePrefix}_refresh`;
  }

  /** The session cookies of a request. */
  read(request: AuthRequest): SessionCookieValues {
    const header = request.headers.cookie;
    if (typeof header !== 'string' || header.length === 0) return {};
    const cookies = parse(header);
    return { access: cookies[this.accessCookie], refresh: cookies[this.refreshCookie] };
  }

  /** True when the request carries a session cookie. */
  has(request: AuthRequest): boolean {
    const { access, refresh } = this.read(request);
    return Boolean(access || refresh);
  }

  /** Sets the session cookies from a token pair. */
  write(response: unknown, pair: SessionCookiePair): void {
    const refreshLifetime = this.options.jwt.refreshTokenIdleTtl;
    appendSetCookie(response, [
      serialize(this.accessCookie, pair.access_token, this.attributes(pair.expires_in)),
      serialize(this.refreshCookie, pair.refresh_token, this.attributes(refreshLifetime)),
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
