import { hkdfSync } from 'node:crypto';
import type { ResolvedJwtKey } from '../tokens/jwt-keys.js';
import type { AuthModuleOptions } from './auth.options.js';
import { AUTH_DEFAULTS } from './auth-defaults.js';
import { positiveInteger } from './option-checks.js';
import type { ResolvedStructuralOptions } from './structural-options.resolver.js';

/** The API-key section of the resolved options. Internal. */
export interface ResolvedApiKeyOptions {
  apiKeys: {
    prefix: string;
    /** Peppers by id; `currentPepperId` makes new digests. */
    peppers: Map<string, Buffer>;
    currentPepperId: string;
    cacheMax: number;
    cacheTtl: number;
  };
}

const MIN_PEPPER_BYTES = 32;

/**
 * Applies defaults to the API-key options and turns the pepper (given, from `AUTH_API_KEY_PEPPER`,
 * or derived from an HS signing key) into keys; what is wrong goes to `problems`.
 */
export function resolveApiKeyOptions(
  problems: string[],
  options: AuthModuleOptions['apiKeys'],
  structural: ResolvedStructuralOptions,
  signingKey: ResolvedJwtKey | undefined,
  env: NodeJS.ProcessEnv,
): ResolvedApiKeyOptions {
  const defaults = AUTH_DEFAULTS.apiKeys;
  const prefix = options?.prefix ?? defaults.prefix;
  if (typeof prefix !== 'string' || !/^[a-z0-9]{2,10}$/.test(prefix)) {
    problems.push('apiKeys.prefix must be 2 to 10 lower-case letters or digits, like "pcs".');
  }
  const peppers = new Map<string, Buffer>();
  const configured = options?.pepper ?? env.AUTH_API_KEY_PEPPER;
  // The pepper ids below are stored with every digest: renaming one orphans the keys it made.
  if (typeof configured === 'string' && configured.length > 0) {
    peppers.set('default', Buffer.from(configured, 'utf8'));
  } else if (Array.isArray(configured)) {
    for (const entry of configured) {
      if (!entry || typeof entry.id !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(entry.id)) {
        problems.push('apiKeys.pepper: each entry needs an id of 1 to 32 letters, digits, _ or -.');
      } else if (peppers.has(entry.id)) {
        problems.push(`apiKeys.pepper: the id ${entry.id} is used twice.`);
      } else {
        peppers.set(entry.id, Buffer.from(String(entry.secret ?? ''), 'utf8'));
      }
    }
  } else if (signingKey?.verifyKey.type === 'secret') {
    // No pepper configured: derive one from the HS secret, so a single secret runs everything.
    const derived = hkdfSync(
      'sha256',
      signingKey.verifyKey.export(),
      Buffer.alloc(0),
      'portcullis api-key pepper',
      32,
    );
    peppers.set('jwt-derived', Buffer.from(derived));
  } else if (
    structural.strategiesExplicit &&
    structural.strategies.includes('api-key') &&
    signingKey
  ) {
    problems.push(
      'apiKeys.pepper is missing: set AUTH_API_KEY_PEPPER or pass apiKeys.pepper (at least 32 bytes); it cannot be derived from asymmetric JWT keys.',
    );
  }
  for (const [id, pepper] of peppers) {
    if (pepper.length < MIN_PEPPER_BYTES) {
      problems.push(
        `apiKeys.pepper ${id} is ${pepper.length} bytes; it needs at least ${MIN_PEPPER_BYTES}.`,
      );
    }
  }
  const [currentPepperId] = peppers.keys();
  return {
    apiKeys: {
      prefix,
      peppers,
      currentPepperId: currentPepperId ?? '',
      cacheMax: positiveInteger(
        problems,
        'apiKeys.cache.max',
        options?.cache?.max,
        defaults.cache.max,
      ),
      cacheTtl: positiveInteger(
        problems,
        'apiKeys.cache.ttl',
        options?.cache?.ttl,
        defaults.cache.ttl,
        0,
      ),
    },
  };
}
