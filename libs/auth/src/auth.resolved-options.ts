import { hkdfSync } from 'node:crypto';
import { getMetadataArgsStorage } from 'typeorm';
import type { Type } from '@nestjs/common';
import { AuthConfigurationError } from './errors/auth.exception.js';
import {
  AuthJwtOptions,
  AuthModuleOptions,
  AuthModuleStructuralOptions,
  LOGIN_STRATEGY_NAMES,
  LoginStrategyName,
  RedisConnectionOptions,
  ThrottleOptions,
} from './auth.options.js';
import {
  resolveJwtKeys,
  type JwtAlgorithm,
  type JwtKeyOptions,
  type ResolvedJwtKey,
} from './tokens/jwt-keys.js';
import type { PermissionResolver } from './permissions/permission-resolver.js';
import type { AuthEventListener } from './events/auth-event.js';
import type { ThrottleStore } from './throttle/throttle-store.js';
import type { PasswordValidator } from './passwords/password-validator.interface.js';
import { defaultPasswordValidators } from './passwords/default-password-validators.js';
import type { RedisClient as Redis } from './redis/redis-client.js';
import { isGroupName } from './permissions/permission-codename.js';
import { User } from './users/user.entity.js';
import { LIBRARY_USER_COLUMNS } from './users/user-entity-contract.js';
import type { JwtFromRequest, RegistrationValidator } from './auth.options.js';
import type { CredentialStrategy } from './strategies/credential-strategy.interface.js';

/** Structural options with defaults applied. Internal. */
export interface ResolvedStructuralOptions {
  userEntity: Type<object>;
  /** Built-in strategy names and the application's strategy classes, in order. */
  strategies: Array<LoginStrategyName | Type<CredentialStrategy>>;
  /** False when `strategies` is the default order. */
  strategiesExplicit: boolean;
  permissionResolver: Type<PermissionResolver> | undefined;
  routesPrefix: string | null;
  /** Whether `<routesPrefix>/admin` is mounted (only ever with routes). */
  adminRoutes: boolean;
  global: boolean;
  /** `mode: 'resource-server'`: verify-only keys, no routes, no database, the user from the claims. */
  resourceServer: boolean;
}

/** An external issuer with defaults applied. Internal. */
export interface ResolvedExternalIssuer {
  issuer: string;
  jwksUrl: URL;
  audience: string | string[];
  algorithms: string[];
  subjectClaim: string;
  userField: string;
  maxTokenLifetime: number;
}

/** Runtime options with defaults applied and secrets turned into keys. Internal. */
export interface ResolvedAuthOptions extends ResolvedStructuralOptions {
  usernameField: string;
  normalizeHandle: (handle: string) => string;
  jwt: {
    /** Every key of the ring, the signing key included. */
    keys: ResolvedJwtKey[];
    /**
     * The key that signs. On a resource server, which signs nothing, the first key of the ring, kept
     * without its `signKey` even when a private key was given.
     */
    signingKey: ResolvedJwtKey;
    /** Access tokens carry the `perms` claim (`jwt.permissionsClaim`). */
    permissionsClaim: boolean;
    issuer: string;
    audience: string;
    accessTokenTtl: number;
    leeway: number;
    refreshTokenTtl: number;
    refreshTokenIdleTtl: number;
    refreshReuseGrace: number;
    /** `jwt.fromRequest`; undefined: the `Authorization: Bearer` header. */
    fromRequest?: JwtFromRequest;
  };
  userCache: { max: number; ttl: number };
  browserSessions: { secure: boolean; trustedOrigins: string[]; cookiePrefix: string };
  externalIssuers: ResolvedExternalIssuer[];
  defaultGroups: string[];
  /** `registration`: the extra columns a registration sets (names checked, columns at boot). */
  registration: { fields: string[]; validate: RegistrationValidator | undefined };
  apiKeys: {
    prefix: string;
    /** Peppers by id; `currentPepperId` makes new digests. */
    peppers: Map<string, Buffer>;
    currentPepperId: string;
    cacheMax: number;
    cacheTtl: number;
  };
  revocationSyncInterval: number;
  /** `undefined`: no limit. */
  maxSessionsPerUser: number | undefined;
  passwordHashing: { memoryCost: number; timeCost: number; parallelism: number };
  /** Hashes and verifies allowed to run at once (`passwordHashing.concurrency`). */
  passwordHashingConcurrency: number;
  maxPasswordBytes: number;
  passwordValidators: PasswordValidator[];
  realm: string;
  loginUrl: string;
  htmlNegotiation: boolean;
  throttle: {
    loginPerHandle: ResolvedThrottleLimit | null;
    loginPerAddress: ResolvedThrottleLimit | null;
    registrationPerAddress: ResolvedThrottleLimit | null;
    /** The store given in options; the module falls back to memory without one. */
    store: ThrottleStore | undefined;
  };
  /** Proxies in front of the app whose `X-Forwarded-For` entries are believed (0: none). */
  trustProxy: number;
  onAuthEvent: AuthEventListener | undefined;
  /** A client given by the app, or how to connect one. */
  redis: Redis | RedisConnectionOptions | undefined;
}

/** A throttle budget with defaults applied. Internal. */
export interface ResolvedThrottleLimit {
  limit: number;
  windowMs: number;
}

/** The default handle normalisation: NFKC, trimmed, lower-cased (locale-independent). */
export function defaultNormalizeHandle(handle: string): string {
  return handle.normalize('NFKC').trim().toLowerCase();
}

function isEntityClass(candidate: unknown): boolean {
  return (
    typeof candidate === 'function' &&
    getMetadataArgsStorage().tables.some((table) => table.target === candidate)
  );
}

/**
 * Applies defaults to the structural options and checks them. Throws {@link AuthConfigurationError}
 * listing every problem.
 */
export function resolveStructuralOptions(
  options: AuthModuleStructuralOptions = {},
): ResolvedStructuralOptions {
  const problems: string[] = [];
  const resourceServer = resourceServerMode(problems, options);
  const userEntity = options.userEntity === undefined ? User : options.userEntity;
  if (!isEntityClass(userEntity)) {
    problems.push(
      `userEntity must be a TypeORM entity class decorated with @Entity(); got ${describe(userEntity)}.`,
    );
  }
  const strategies = options.strategies ?? (resourceServer ? ['jwt'] : ['jwt', 'api-key', 'basic']);
  if (!Array.isArray(strategies) || strategies.length === 0) {
    problems.push(
      `strategies must be a non-empty array of strategy names (${LOGIN_STRATEGY_NAMES.join(', ')}) and strategy classes.`,
    );
  } else {
    for (const entry of strategies) {
      if (typeof entry !== 'function' && !LOGIN_STRATEGY_NAMES.includes(entry)) {
        problems.push(
          `strategies: unknown strategy ${JSON.stringify(entry)}; known strategies are ${LOGIN_STRATEGY_NAMES.join(', ')}, or a class implementing CredentialStrategy.`,
        );
      }
    }
    if (new Set(strategies).size !== strategies.length) {
      problems.push('strategies: a strategy is listed twice.');
    }
  }
  let routesPrefix: string | null = null;
  if (options.routes) {
    const prefix = options.routes === true ? 'auth' : (options.routes.prefix ?? 'auth');
    if (typeof prefix !== 'string') problems.push('routes.prefix must be a string such as "auth".');
    else routesPrefix = prefix.replace(/^\/+|\/+$/g, '');
  }
  if (options.adminRoutes !== undefined && typeof options.adminRoutes !== 'boolean') {
    problems.push('adminRoutes must be true or false.');
  } else if (options.adminRoutes === true && !options.routes) {
    // The admin routes live under the routes prefix; mounting them alone would invent a prefix.
    problems.push(
      'adminRoutes needs routes: the admin routes are mounted under <routes prefix>/admin; set routes: true (or { prefix }) as well, or drop adminRoutes.',
    );
  }
  if (problems.length) throw new AuthConfigurationError(problems);
  return {
    userEntity,
    strategies,
    strategiesExplicit: options.strategies !== undefined,
    permissionResolver: options.permissionResolver,
    routesPrefix,
    adminRoutes: options.adminRoutes === true,
    global: options.global === true,
    resourceServer,
  };
}

/**
 * Whether `mode` is `resource-server`, with what contradicts it pushed to `problems`: such a service
 * has no users of its own, so nothing that logs in, mounts routes or reads a user table.
 */
function resourceServerMode(problems: string[], options: AuthModuleStructuralOptions): boolean {
  const mode = options.mode ?? 'issuer';
  if (mode !== 'issuer' && mode !== 'resource-server') {
    problems.push(`mode must be 'issuer' or 'resource-server'; got ${String(mode)}.`);
    return false;
  }
  if (mode === 'issuer') return false;
  if (options.routes) {
    problems.push(
      "mode 'resource-server' mounts no routes: register, login and refresh live at the issuer. Remove routes, or use mode 'issuer'.",
    );
  }
  if (options.adminRoutes) {
    problems.push("mode 'resource-server' mounts no admin routes: remove adminRoutes.");
  }
  if (options.userEntity !== undefined) {
    problems.push(
      "mode 'resource-server' has no user table (the user comes from the token's claims): remove userEntity.",
    );
  }
  const others = (Array.isArray(options.strategies) ? options.strategies : []).filter(
    (entry) => typeof entry === 'string' && entry !== 'jwt',
  );
  if (others.length) {
    problems.push(
      `mode 'resource-server' accepts access tokens only: strategies may list only 'jwt'; got ${others.join(', ')}.`,
    );
  }
  return true;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return `class ${value.name || '(anonymous)'} without @Entity()`;
  return typeof value;
}

/**
 * The default of `passwordHashing.concurrency`: one thread of libuv's pool fewer than it has, so that
 * file reads, DNS lookups and other crypto never queue behind a storm of logins (measured here with
 * 50 logins waiting: `dns.lookup` 490 ms and a file read 1.9 s without it, under 1 ms with it).
 */
function defaultHashingConcurrency(): number {
  const poolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, poolSize - 1);
}

function positiveInteger(
  problems: string[],
  name: string,
  value: number | undefined,
  fallback: number,
  min = 1,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    problems.push(`${name} must be an integer >= ${min}; got ${String(value)}.`);
    return fallback;
  }
  return value;
}

/**
 * Applies defaults to the runtime options, reads `AUTH_JWT_SECRET` when no secret is given, and checks
 * everything. Throws {@link AuthConfigurationError} listing every problem.
 */
export function resolveAuthOptions(
  options: AuthModuleOptions | undefined,
  structural: ResolvedStructuralOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedAuthOptions {
  const input = options ?? {};
  const problems: string[] = [];
  const jwt = input.jwt ?? {};
  const usernameField = input.usernameField ?? 'username';
  if (typeof usernameField !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(usernameField)) {
    problems.push(
      `usernameField must be the name of an entity property; got ${String(usernameField)}.`,
    );
  }
  if (input.normalizeHandle !== undefined && typeof input.normalizeHandle !== 'function') {
    problems.push('normalizeHandle must be a function (handle: string) => string.');
  }
  const keys = structural.resourceServer
    ? resourceServerKeys(problems, jwt)
    : [...jwtKeys(problems, jwt, env), ...jwksKeys(problems, jwt.jwks)];
  if (jwt.jwks !== undefined) {
    const kids = keys.map((key) => key.kid);
    const duplicated = kids.find((kid, index) => kids.indexOf(kid) !== index);
    if (duplicated !== undefined) {
      problems.push(`jwt.keys and jwt.jwks: kid ${duplicated} is given twice.`);
    }
  }
  const signingKid = jwt.signingKeyId ?? keys[0]?.kid;
  const signingKey = structural.resourceServer
    ? keys[0] && { ...keys[0], signKey: undefined }
    : keys.find((key) => key.kid === signingKid);
  if (structural.resourceServer) {
    if (input.externalIssuers?.length) {
      problems.push(
        "mode 'resource-server' cannot take externalIssuers: they map tokens to users of a local user table. List the issuer's public keys in jwt.keys or jwt.jwks.",
      );
    }
  } else if (keys.length && !signingKey) {
    problems.push(`jwt.signingKeyId ${String(jwt.signingKeyId)} names no key of jwt.keys.`);
  } else if (signingKey && !signingKey.signKey) {
    problems.push(`jwt.keys: the signing key ${signingKey.kid} has no privateKey.`);
  }
  if (jwt.permissionsClaim !== undefined && typeof jwt.permissionsClaim !== 'boolean') {
    problems.push('jwt.permissionsClaim must be true or false.');
  }
  const resolved: Omit<ResolvedAuthOptions, 'jwt' | 'apiKeys'> & {
    jwt: Omit<ResolvedAuthOptions['jwt'], 'keys' | 'signingKey' | 'permissionsClaim'>;
  } = {
    ...structural,
    usernameField,
    normalizeHandle: input.normalizeHandle ?? defaultNormalizeHandle,
    jwt: {
      issuer: nonEmptyString(problems, 'jwt.issuer', jwt.issuer, 'portcullis'),
      audience: nonEmptyString(problems, 'jwt.audience', jwt.audience, 'portcullis'),
      accessTokenTtl: positiveInteger(problems, 'jwt.accessTokenTtl', jwt.accessTokenTtl, 900),
      leeway: positiveInteger(problems, 'jwt.leeway', jwt.leeway, 30, 0),
      refreshTokenTtl: positiveInteger(
        problems,
        'jwt.refreshTokenTtl',
        jwt.refreshTokenTtl,
        2_592_000,
      ),
      refreshTokenIdleTtl: positiveInteger(
        problems,
        'jwt.refreshTokenIdleTtl',
        jwt.refreshTokenIdleTtl,
        1_209_600,
      ),
      refreshReuseGrace: positiveInteger(
        problems,
        'jwt.refreshReuseGrace',
        jwt.refreshReuseGrace,
        5,
        0,
      ),
      fromRequest: jwtFromRequest(problems, jwt.fromRequest),
    },
    browserSessions: browserSessions(problems, input.browserSessions),
    externalIssuers: externalIssuers(problems, input.externalIssuers, usernameField),
    defaultGroups: defaultGroups(problems, input.defaultGroups),
    registration: registrationSettings(problems, input.registration, usernameField),
    userCache: {
      max: positiveInteger(problems, 'userCache.max', input.userCache?.max, 10_000),
      ttl: positiveInteger(problems, 'userCache.ttl', input.userCache?.ttl, 30, 0),
    },
    revocationSyncInterval: positiveInteger(
      problems,
      'revocationSyncInterval',
      input.revocationSyncInterval,
      2000,
      0,
    ),
    maxSessionsPerUser: maxSessionsPerUser(problems, input.maxSessionsPerUser),
    passwordHashing: {
      memoryCost: positiveInteger(
        problems,
        'passwordHashing.memoryCost',
        input.passwordHashing?.memoryCost,
        19456,
        1024,
      ),
      timeCost: positiveInteger(
        problems,
        'passwordHashing.timeCost',
        input.passwordHashing?.timeCost,
        2,
      ),
      parallelism: positiveInteger(
        problems,
        'passwordHashing.parallelism',
        input.passwordHashing?.parallelism,
        1,
      ),
    },
    passwordHashingConcurrency: positiveInteger(
      problems,
      'passwordHashing.concurrency',
      input.passwordHashing?.concurrency,
      defaultHashingConcurrency(),
    ),
    maxPasswordBytes: positiveInteger(problems, 'maxPasswordBytes', input.maxPasswordBytes, 1024),
    passwordValidators: passwordValidators(problems, input),
    realm: nonEmptyString(problems, 'realm', input.realm, 'portcullis'),
    loginUrl: nonEmptyString(problems, 'loginUrl', input.loginUrl, '/login'),
    htmlNegotiation: input.htmlNegotiation === true,
    throttle: throttleSettings(problems, input.throttle),
    trustProxy: trustProxy(problems, input.trustProxy),
    onAuthEvent: input.onAuthEvent,
    redis: redisSetting(problems, input.redis),
  };
  if (input.onAuthEvent !== undefined && typeof input.onAuthEvent !== 'function') {
    problems.push('onAuthEvent must be a function (event) => void.');
  }
  if (resolved.realm.includes('"') || resolved.realm.includes('\\')) {
    problems.push('realm must not contain quotes or backslashes.');
  }
  const apiKeys = apiKeySettings(problems, input.apiKeys, structural, signingKey, env);
  if (problems.length || !signingKey || !apiKeys) throw new AuthConfigurationError(problems);
  const permissionsClaim = jwt.permissionsClaim === true;
  return { ...resolved, jwt: { ...resolved.jwt, keys, signingKey, permissionsClaim }, apiKeys };
}

function passwordValidators(problems: string[], input: AuthModuleOptions): PasswordValidator[] {
  const given = input.passwordValidators;
  if (given === undefined) {
    const maxBytes = input.maxPasswordBytes;
    // A bad maxPasswordBytes is reported on its own; the validator only needs a usable number here.
    const usable = Number.isInteger(maxBytes) && (maxBytes as number) >= 1;
    return defaultPasswordValidators({ maxPasswordBytes: usable ? maxBytes : undefined });
  }
  if (!Array.isArray(given)) {
    problems.push(
      'passwordValidators must be an array of PasswordValidator ([] turns the rules off).',
    );
    return [];
  }
  given.forEach((validator, index) => {
    if (
      typeof validator !== 'object' ||
      validator === null ||
      typeof validator.validate !== 'function' ||
      typeof validator.rule !== 'string' ||
      validator.rule.length === 0
    ) {
      problems.push(
        `passwordValidators[${index}] must be a PasswordValidator: an object with a rule (a non-empty string) and a validate(password, user) method.`,
      );
    }
  });
  return given;
}

const THROTTLE_DEFAULTS = {
  loginPerHandle: { limit: 5, window: 900 },
  loginPerAddress: { limit: 50, window: 900 },
  registrationPerAddress: { limit: 20, window: 3600 },
} as const;

function throttleSettings(
  problems: string[],
  input: ThrottleOptions | false | undefined,
): ResolvedAuthOptions['throttle'] {
  const options = input === false ? undefined : (input ?? {});
  const budget = (name: keyof typeof THROTTLE_DEFAULTS): ResolvedThrottleLimit | null => {
    const given = options === undefined ? false : options[name];
    if (given === false) return null;
    const fallback = THROTTLE_DEFAULTS[name];
    if (given !== undefined && (typeof given !== 'object' || given === null)) {
      problems.push(`throttle.${name} must be { limit, window } or false.`);
    }
    const limit = typeof given === 'object' && given !== null ? given : fallback;
    return {
      limit: positiveInteger(problems, `throttle.${name}.limit`, limit.limit, fallback.limit),
      windowMs:
        1000 * positiveInteger(problems, `throttle.${name}.window`, limit.window, fallback.window),
    };
  };
  const store = options?.store;
  if (store !== undefined && (typeof store !== 'object' || typeof store.hit !== 'function')) {
    problems.push('throttle.store must be a ThrottleStore (e.g. new RedisThrottleStore(redis)).');
  }
  return {
    loginPerHandle: budget('loginPerHandle'),
    loginPerAddress: budget('loginPerAddress'),
    registrationPerAddress: budget('registrationPerAddress'),
    store,
  };
}

function maxSessionsPerUser(problems: string[], input: unknown): number | undefined {
  if (input === undefined) return undefined;
  if (typeof input !== 'number' || !Number.isSafeInteger(input) || input < 1) {
    problems.push(
      `maxSessionsPerUser must be a positive integer (or left out for no limit); got ${String(input)}.`,
    );
    return undefined;
  }
  return input;
}

function redisSetting(
  problems: string[],
  input: Redis | string | RedisConnectionOptions | undefined,
): Redis | RedisConnectionOptions | undefined {
  const invalid = () => {
    problems.push(
      'redis must be a redis:// or rediss:// URL, { url, keyPrefix } or an ioredis client.',
    );
    return undefined;
  };
  if (input === undefined || input === null || input === '') return undefined;
  const connection = typeof input === 'string' ? { url: input } : input;
  if (typeof connection !== 'object') return invalid();
  if (typeof (connection as Redis).defineCommand === 'function') return connection as Redis;
  const { url, keyPrefix } = connection as RedisConnectionOptions;
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) return invalid();
  if (keyPrefix !== undefined && typeof keyPrefix !== 'string') return invalid();
  return { url, keyPrefix };
}

function trustProxy(problems: string[], input: boolean | number | undefined): number {
  if (input === undefined || input === false) return 0;
  if (input === true) return 1;
  if (!Number.isInteger(input) || input < 0) {
    problems.push('trustProxy must be true, false or the number of proxies (an integer >= 0).');
    return 0;
  }
  return input;
}

function defaultGroups(problems: string[], groups: string[] | undefined): string[] {
  if (groups === undefined) return [];
  if (!Array.isArray(groups) || !groups.every(isGroupName)) {
    problems.push('defaultGroups must be a list of group names (letters, digits, "_", "-", ".").');
    return [];
  }
  return [...new Set(groups)];
}

const MIN_PEPPER_BYTES = 32;

function apiKeySettings(
  problems: string[],
  options: AuthModuleOptions['apiKeys'],
  structural: ResolvedStructuralOptions,
  signingKey: ResolvedJwtKey | undefined,
  env: NodeJS.ProcessEnv,
): ResolvedAuthOptions['apiKeys'] | undefined {
  const prefix = options?.prefix ?? 'pcs';
  if (typeof prefix !== 'string' || !/^[a-z0-9]{2,10}$/.test(prefix)) {
    problems.push('apiKeys.prefix must be 2 to 10 lower-case letters or digits, like "pcs".');
  }
  const peppers = new Map<string, Buffer>();
  const configured = options?.pepper ?? env.AUTH_API_KEY_PEPPER;
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
    prefix,
    peppers,
    currentPepperId: currentPepperId ?? '',
    cacheMax: positiveInteger(problems, 'apiKeys.cache.max', options?.cache?.max, 10_000),
    cacheTtl: positiveInteger(problems, 'apiKeys.cache.ttl', options?.cache?.ttl, 60, 0),
  };
}

const EXTERNAL_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];

function registrationSettings(
  problems: string[],
  input: AuthModuleOptions['registration'],
  usernameField: string,
): ResolvedAuthOptions['registration'] {
  const fields = input?.fields ?? [];
  const validate = input?.validate;
  if (validate !== undefined && typeof validate !== 'function') {
    problems.push('registration.validate must be a function (fields, context) => problems.');
  }
  if (!Array.isArray(fields)) {
    problems.push('registration.fields must be a list of user entity property names.');
    return { fields: [], validate: undefined };
  }
  const seen = new Set<string>();
  for (const field of fields) {
    if (typeof field !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) {
      problems.push(`registration.fields: ${String(field)} is not an entity property name.`);
    } else if (LIBRARY_USER_COLUMNS.has(field)) {
      problems.push(
        `registration.fields: ${field} belongs to Portcullis and can never be set by a registration (grant it with the admin routes or the CLI).`,
      );
    } else if (field === usernameField || field === 'email' || field === 'password') {
      problems.push(
        `registration.fields: ${field} is already read by POST register; list only your own columns.`,
      );
    } else if (seen.has(field)) {
      problems.push(`registration.fields: ${field} is listed twice.`);
    }
    seen.add(String(field));
  }
  return { fields: [...seen], validate };
}

function externalIssuers(
  problems: string[],
  issuers: AuthModuleOptions['externalIssuers'],
  usernameField: string,
): ResolvedExternalIssuer[] {
  return (issuers ?? []).flatMap((issuer, index) => {
    const label = `externalIssuers[${index}]`;
    let jwksUrl: URL;
    try {
      jwksUrl = new URL(issuer.jwksUrl);
      if (jwksUrl.protocol !== 'https:' && jwksUrl.protocol !== 'http:') throw new Error('scheme');
    } catch {
      problems.push(`${label}.jwksUrl must be an https:// (or http://) URL.`);
      return [];
    }
    if (typeof issuer.issuer !== 'string' || issuer.issuer.length === 0) {
      problems.push(`${label}.issuer must be the exact iss of its tokens.`);
      return [];
    }
    if (!issuer.audience || (Array.isArray(issuer.audience) && issuer.audience.length === 0)) {
      problems.push(`${label}.audience is required: the aud its tokens carry for this API.`);
      return [];
    }
    const algorithms = issuer.algorithms ?? EXTERNAL_ALGORITHMS;
    const unknown = algorithms.filter((algorithm) => !EXTERNAL_ALGORITHMS.includes(algorithm));
    if (unknown.length || algorithms.length === 0) {
      problems.push(`${label}.algorithms must be among ${EXTERNAL_ALGORITHMS.join(', ')}.`);
      return [];
    }
    return [
      {
        issuer: issuer.issuer,
        jwksUrl,
        audience: issuer.audience,
        algorithms,
        subjectClaim: issuer.subjectClaim ?? 'sub',
        userField: issuer.userField ?? usernameField,
        maxTokenLifetime: positiveInteger(
          problems,
          `${label}.maxTokenLifetime`,
          issuer.maxTokenLifetime,
          86_400,
        ),
      },
    ];
  });
}

function browserSessions(
  problems: string[],
  options: AuthModuleOptions['browserSessions'],
): ResolvedAuthOptions['browserSessions'] {
  const secure = options?.secure !== false;
  const trustedOrigins: string[] = [];
  for (const origin of options?.trustedOrigins ?? []) {
    try {
      trustedOrigins.push(new URL(origin).origin);
    } catch {
      problems.push(
        `browserSessions.trustedOrigins: ${String(origin)} is not an origin like https://app.example.`,
      );
    }
  }
  return { secure, trustedOrigins, cookiePrefix: secure ? '__Host-portcullis' : 'portcullis' };
}

/** The key ring from `jwt.keys`, or a one-key HS256 ring from `jwt.secret` / AUTH_JWT_SECRET. */
function jwtKeys(
  problems: string[],
  jwt: NonNullable<AuthModuleOptions['jwt']>,
  env: NodeJS.ProcessEnv,
): ResolvedJwtKey[] {
  if (jwt.keys !== undefined) {
    if (jwt.secret !== undefined) problems.push('Give jwt.secret or jwt.keys, not both.');
    if (!Array.isArray(jwt.keys) || jwt.keys.length === 0) {
      problems.push('jwt.keys must be a non-empty array of keys.');
      return [];
    }
    return resolveJwtKeys(jwt.keys, problems);
  }
  const secret = jwt.secret ?? env.AUTH_JWT_SECRET;
  if (secret === undefined || secret === null || secret === '') {
    problems.push(
      'jwt.secret is missing: set the AUTH_JWT_SECRET environment variable or pass jwt.secret (at least 32 bytes, e.g. `openssl rand -base64 48`).',
    );
    return [];
  }
  return resolveJwtKeys([{ algorithm: 'HS256', secret }], problems, 'jwt.secret');
}

/**
 * The verify-only keys of a resource server: `jwt.keys` and `jwt.jwks`, public keys only. A shared
 * HS secret is refused, since whoever holds it can mint tokens for any user of the issuer.
 */
function resourceServerKeys(
  problems: string[],
  jwt: NonNullable<AuthModuleOptions['jwt']>,
): ResolvedJwtKey[] {
  if (jwt.secret !== undefined) {
    problems.push(
      "mode 'resource-server' verifies with the issuer's public keys: jwt.secret (a shared HS secret) would let this service mint tokens. Give jwt.keys with publicKey, or jwt.jwks.",
    );
  }
  const given = jwt.keys ?? [];
  if (!Array.isArray(given)) {
    problems.push('jwt.keys must be an array of keys.');
    return [];
  }
  const hmac = given.filter(
    (key) => typeof key?.algorithm === 'string' && /^HS/.test(key.algorithm),
  );
  if (hmac.length) {
    problems.push(
      `mode 'resource-server' verifies with public keys only: jwt.keys has ${hmac.map((key) => key.algorithm).join(', ')} (a shared secret would let this service mint tokens).`,
    );
  }
  const keys = [
    ...resolveJwtKeys(
      given.filter((key) => !hmac.includes(key)),
      problems,
    ),
    ...jwksKeys(problems, jwt.jwks),
  ];
  if (keys.length === 0 && jwt.secret === undefined && hmac.length === 0) {
    problems.push(
      "mode 'resource-server' needs the issuer's public keys: jwt.keys ([{ kid, algorithm, publicKey }]) or jwt.jwks (the issuer's /.well-known/jwks.json document).",
    );
  }
  return keys;
}

/** The keys of `jwt.jwks`, each verify-only, with the `kid` and `alg` it names. */
function jwksKeys(problems: string[], jwks: AuthJwtOptions['jwks']): ResolvedJwtKey[] {
  if (jwks === undefined) return [];
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys)) {
    problems.push('jwt.jwks must be a JWK Set: { keys: [ ... ] }.');
    return [];
  }
  const keys: ResolvedJwtKey[] = [];
  jwks.keys.forEach((jwk, index) => {
    const label = `jwt.jwks.keys[${index}]`;
    const algorithm = (jwk as { alg?: unknown } | null)?.alg;
    const kid = (jwk as { kid?: unknown } | null)?.kid;
    const use = (jwk as { use?: unknown } | null)?.use;
    if (typeof algorithm !== 'string' || !JWKS_ALGORITHMS.includes(algorithm as JwtAlgorithm)) {
      problems.push(
        `${label}: alg must be one of ${JWKS_ALGORITHMS.join(', ')}; got ${String(algorithm)}.`,
      );
    } else if (typeof kid !== 'string' || kid.length === 0) {
      problems.push(`${label}: kid is required (it picks the key for a token's kid header).`);
    } else if (use !== undefined && use !== 'sig') {
      problems.push(`${label}: use must be "sig"; got ${String(use)}.`);
    } else {
      const key: JwtKeyOptions = { kid, algorithm: algorithm as JwtAlgorithm, publicKey: jwk };
      keys.push(...resolveJwtKeys([key], problems, `${label} (kid ${kid})`));
    }
  });
  return keys;
}

const JWKS_ALGORITHMS: readonly JwtAlgorithm[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];

function nonEmptyString(
  problems: string[],
  name: string,
  value: string | undefined,
  fallback: string,
): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0) {
    problems.push(`${name} must be a non-empty string.`);
    return fallback;
  }
  return value;
}

function jwtFromRequest(problems: string[], value: unknown): JwtFromRequest | undefined {
  if (value === undefined || typeof value === 'function')
    return value as JwtFromRequest | undefined;
  problems.push(
    "jwt.fromRequest must be a function of the request, such as one of passport-jwt's ExtractJwt extractors.",
  );
  return undefined;
}
