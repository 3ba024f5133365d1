import type { AuthModuleOptions } from './auth.options.js';
import { AUTH_DEFAULTS } from './auth-defaults.js';
import { nonEmptyString } from './option-checks.js';

/**
 * The browser section of the resolved options: the cookie transport and its CSRF origins, and how a
 * caller without a login is answered (the login page a browser is sent to, the realm of a
 * `WWW-Authenticate` challenge). Internal.
 */
export interface ResolvedBrowserOptions {
  browserSessions: { secure: boolean; trustedOrigins: string[]; cookiePrefix: string };
  realm: string;
  loginUrl: string;
  htmlNegotiation: boolean;
}

/** Applies defaults to the browser options; what is wrong goes to `problems`. */
export function resolveBrowserOptions(
  problems: string[],
  input: AuthModuleOptions,
): ResolvedBrowserOptions {
  const realm = nonEmptyString(problems, 'realm', input.realm, AUTH_DEFAULTS.realm);
  if (realm.includes('"') || realm.includes('\\')) {
    problems.push('realm must not contain quotes or backslashes.');
  }
  return {
    browserSessions: browserSessions(problems, input.browserSessions),
    realm,
    loginUrl: nonEmptyString(problems, 'loginUrl', input.loginUrl, AUTH_DEFAULTS.loginUrl),
    htmlNegotiation: (input.htmlNegotiation ?? AUTH_DEFAULTS.htmlNegotiation) === true,
  };
}

function browserSessions(
  problems: string[],
  options: AuthModuleOptions['browserSessions'],
): ResolvedBrowserOptions['browserSessions'] {
  const defaults = AUTH_DEFAULTS.browserSessions;
  const secure = (options?.secure ?? defaults.secure) !== false;
  const trustedOrigins: string[] = [];
  for (const origin of options?.trustedOrigins ?? defaults.trustedOrigins) {
    try {
      trustedOrigins.push(new URL(origin).origin);
    } catch {
      problems.push(
        `browserSessions.trustedOrigins: ${String(origin)} is not an origin like https://app.example.`,
      );
    }
  }
  const cookiePrefix = secure ? defaults.cookiePrefix.secure : defaults.cookiePrefix.insecure;
  return { secure, trustedOrigins, cookiePrefix };
}
