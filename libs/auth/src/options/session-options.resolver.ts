import type { AuthModuleOptions } from './auth.options.js';
import { AUTH_DEFAULTS } from './auth-defaults.js';
import { positiveInteger } from './option-checks.js';

/**
 * The sessions section of the resolved options: refresh-token lifetimes (given under `jwt`, so kept
 * there), how often other processes' revocations are read, and the per-user session limit. Internal.
 */
export interface ResolvedSessionOptions {
  jwt: {
    refreshTokenTtl: number;
    refreshTokenIdleTtl: number;
    refreshReuseGrace: number;
  };
  revocationSyncInterval: number;
  /** `undefined`: no limit. */
  maxSessionsPerUser: number | undefined;
}

/** Applies defaults to the session options; what is wrong goes to `problems`. */
export function resolveSessionOptions(
  problems: string[],
  input: AuthModuleOptions,
): ResolvedSessionOptions {
  const jwt = input.jwt ?? {};
  const defaults = AUTH_DEFAULTS.jwt;
  return {
    jwt: {
      refreshTokenTtl: positiveInteger(
        problems,
        'jwt.refreshTokenTtl',
        jwt.refreshTokenTtl,
        defaults.refreshTokenTtl,
      ),
      refreshTokenIdleTtl: positiveInteger(
        problems,
        'jwt.refreshTokenIdleTtl',
        jwt.refreshTokenIdleTtl,
        defaults.refreshTokenIdleTtl,
      ),
      refreshReuseGrace: positiveInteger(
        problems,
        'jwt.refreshReuseGrace',
        jwt.refreshReuseGrace,
        defaults.refreshReuseGrace,
        0,
      ),
    },
    revocationSyncInterval: positiveInteger(
      problems,
      'revocationSyncInterval',
      input.revocationSyncInterval,
      AUTH_DEFAULTS.revocationSyncInterval,
      0,
    ),
    maxSessionsPerUser: maxSessionsPerUser(problems, input.maxSessionsPerUser),
  };
}

function maxSessionsPerUser(problems: string[], input: unknown): number | undefined {
  if (input === undefined) return AUTH_DEFAULTS.maxSessionsPerUser;
  if (typeof input !== 'number' || !Number.isSafeInteger(input) || input < 1) {
    problems.push(
      `maxSessionsPerUser must be a positive integer (or left out for no limit); got ${String(input)}.`,
    );
    return undefined;
  }
  return input;
}
