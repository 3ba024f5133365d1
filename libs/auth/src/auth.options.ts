import { KeyObject, type JsonWebKey } from 'node:crypto';
import type { CredentialStrategy } from './strategies/credential-strategy.interface.js';
import type { Type } from '@nestjs/common';
import type { PermissionResolver } from './permissions/permission-resolver.js';
import type { JwtKeyOptions } from './tokens/jwt-keys.js';
import type { AuthEventListener } from './events/auth-event.js';
import type { ThrottleStore } from './throttle/throttle-store.js';
import type { PasswordValidator } from './passwords/password-validator.interface.js';
import type { ValidationProblem } from './errors/auth.exception.js';
import type { RedisClient as Redis } from './redis/redis-client.js';

/** A strategy that `LoginRequiredGuard` can try, by name. */
export type LoginStrategyName = 'jwt' | 'api-key' | 'basic' | 'cookie';

/** Every strategy name `LoginRequiredGuard` accepts in `strategies`. */
export const LOGIN_STRATEGY_NAMES: readonly LoginStrategyName[] = [
  'jwt',
  'api-key',
  'basic',
  'cookie',
];

/** API keys (the `api-key` strategy). */
export interface ApiKeyOptions {
  /**
   * The recognisable start of every key (`pcs_...`), for secret scanners: 2 to 10 lower-case letters or
   * digits.
   * @default 'pcs'
   */
  prefix?: string;
  /**
   * The server pepper keying the stored digests: a string of at least 32 bytes, or a list of
   * `{ id, secret }` whose first entry makes new digests while the others still verify old keys.
   * @default AUTH_API_KEY_PEPPER, else one derived (HKDF) from the HS256 JWT secret
   */
  pepper?: string | Array<{ id: string; secret: string }>;
  /** Verified keys held in memory, so the common path makes no database read. */
  cache?: { max?: number; ttl?: number };
}

/**
 * An outside identity provider whose access tokens are accepted as `Authorization: Bearer` tokens,
 * verified with its JWKS.
 *
 * @example
 * ```ts
 * { issuer: 'https://idp.example', jwksUrl: 'https://idp.example/.well-known/jwks.json',
 *   audience: 'notes-api', subjectClaim: 'email', userField: 'email' }
 * ```
 */
export interface ExternalIssuerOptions {
  /** The exact `iss` of its tokens. */
  issuer: string;
  /** Where its public keys are (https, or http for local development). Only ever this URL. */
  jwksUrl: string;
  /** The `aud` its tokens must carry for this API. */
  audience: string | string[];
  /** Accepted algorithms. @default ['RS256', 'PS256', 'ES256', 'EdDSA'] */
  algorithms?: Array<'RS256' | 'PS256' | 'ES256' | 'EdDSA'>;
  /** The claim naming the local user. @default 'sub' */
  subjectClaim?: string;
  /** The user entity property matched against that claim. @default the `usernameField` */
  userField?: string;
  /**
   * Longest lifetime, in seconds, its access tokens may claim: `exp - iat` (or `exp` - now, when a
   * token has no `iat`) beyond this plus the leeway is `invalid_token`, as is an `iat` in the future.
   * @default 86400 (24 hours)
   */
  maxTokenLifetime?: number;
}

/** The cookie transport for browsers (the `cookie` strategy). */
export interface BrowserSessionOptions {
  /**
   * Marks cookies `Secure` and names them with the `__Host-` prefix. Turn off only for plain-HTTP
   * development on localhost.
   * @default true
   */
  secure?: boolean;
  /**
   * Origins (`https://app.example`) allowed to make cookie-authenticated POST/PUT/PATCH/DELETE requests
   * besides the server's own host.
   * @default []
   */
  trustedOrigins?: string[];
}

/** JWT settings. */
export interface AuthJwtOptions {
  /**
   * The HS256 signing secret: at least 32 bytes. A string is used as its UTF-8 bytes; an `oct` JWK
   * (`{ kty: 'oct', k: '<base64url>' }`) as the bytes of its `k`.
   * @default process.env.AUTH_JWT_SECRET
   */
  secret?: string | Buffer | KeyObject | JsonWebKey;
  /**
   * The key ring, instead of `secret`: HS256/384/512, RS256, PS256, ES256 and EdDSA keys, each with its
   * `kid` and one algorithm. One key signs (`signingKeyId`, default the first); the others only verify,
   * so tokens signed by a retired key keep working until they expire. Public keys are served at
   * `/.well-known/jwks.json` when `routes` is on.
   */
  keys?: JwtKeyOptions[];
  /** The `kid` of the key that signs new tokens. @default the first of `keys` */
  signingKeyId?: string;
  /**
   * More verify-only keys, as a JWK Set: on a resource server, the issuer's
   * `/.well-known/jwks.json` document pasted in (or read from a file). Every key needs `kid` and
   * `alg` (RS256, PS256, ES256 or EdDSA); secrets and private keys are refused.
   * @default none
   */
  jwks?: { keys: JsonWebKey[] };
  /**
   * Access tokens carry the user's effective permissions in a `perms` claim (codenames; a superuser's
   * is `['*']`), so a resource server decides `@Permissions()` from the token alone. A grant or
   * revocation takes effect at the user's next access token (login or refresh). Refresh tokens never
   * carry it.
   * @default false
   */
  permissionsClaim?: boolean;
  /** `iss` claim written and required. @default 'portcullis' */
  issuer?: string;
  /** `aud` claim written and required. @default 'portcullis' */
  audience?: string;
  /** Access token lifetime in seconds. @default 900 (15 minutes) */
  accessTokenTtl?: number;
  /** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. @default 30 */
  leeway?: number;
  /** Absolute lifetime of a session (refresh-token family), in seconds. @default 2592000 (30 days) */
  refreshTokenTtl?: number;
  /**
   * Idle lifetime of a refresh token, in seconds: a session unused for this long ends.
   * @default 1209600 (14 days)
   */
  refreshTokenIdleTtl?: number;
  /**
   * Seconds after a refresh token is used during which presenting it again returns the same successor
   * (a client retrying after a lost response) instead of being treated as theft.
   * @default 5
   */
  refreshReuseGrace?: number;
  /**
   * Where the JWT strategy finds the access token: one of passport-jwt's `ExtractJwt` extractors (such
   * as `ExtractJwt.fromHeader('x-access-token')`), or any function of the request answering the
   * token or null. Without it, the `Authorization: Bearer` header only, read as RFC 6750 says (a
   * malformed value is a 400 `invalid_request`). A credential that is not a compact JWS is left to
   * the next strategy either way. Avoid query-string extractors: URLs end up in logs.
   */
  fromRequest?: JwtFromRequest;
}

/**
 * Reads an access token from a request (Express' or Fastify's), as passport-jwt's `ExtractJwt`
 * extractors do: the token, or null when the request has none.
 */
export type JwtFromRequest = (request: never) => string | null | undefined;

/** The in-memory cache of users that keeps the access-token path free of database reads. */
export interface UserCacheOptions {
  /** Most users held. @default 10000 */
  max?: number;
  /**
   * Seconds a cached user is trusted. Changes made through Portcullis or TypeORM in this process
   * invalidate at once; this bounds how stale a change made elsewhere (another process, raw SQL) can be.
   * @default 30
   */
  ttl?: number;
}

/** A Redis connection Portcullis opens itself (the `redis` option). */
export interface RedisConnectionOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://...`. */
  url: string;
  /** Put before every key Portcullis writes, e.g. to share one Redis between apps. @default '' */
  keyPrefix?: string;
}

/** A budget of attempts in a fixed window. */
export interface ThrottleLimit {
  /** Attempts allowed in one window. */
  limit: number;
  /** The window, in seconds, counted from the first attempt. */
  window: number;
}

/**
 * Login and registration throttling. Attempts past a limit answer 429 `too_many_attempts` with
 * `Retry-After` until the window passes, even with the right password.
 *
 * @example
 * ```ts
 * // Several processes share one budget through Redis:
 * AuthModule.forRoot({ throttle: { store: new RedisThrottleStore(new Redis(process.env.REDIS_URL)) } })
 * ```
 */
export interface ThrottleOptions {
  /**
   * Failed logins per account handle (whether or not an account has it). `false` turns it off.
   * @default { limit: 5, window: 900 }
   */
  loginPerHandle?: ThrottleLimit | false;
  /**
   * Failed logins per client address (IPv6 per /64). `false` turns it off.
   * @default { limit: 50, window: 900 }
   */
  loginPerAddress?: ThrottleLimit | false;
  /**
   * Registrations per client address. `false` turns it off.
   * @default { limit: 20, window: 3600 }
   */
  registrationPerAddress?: ThrottleLimit | false;
  /**
   * Where the counters live. Give a `RedisThrottleStore` when several processes serve the app.
   * @default a MemoryThrottleStore (this process only)
   */
  store?: ThrottleStore;
}

/** argon2id cost parameters. The defaults are OWASP's recommendation. */
export interface PasswordHashingOptions {
  /** Memory in KiB. @default 19456 */
  memoryCost?: number;
  /** Iterations. @default 2 */
  timeCost?: number;
  /** Lanes. @default 1 */
  parallelism?: number;
  /**
   * At most this many hashes and verifies run at once in this process; the others wait their turn,
   * first come first served. argon2id runs on libuv's threadpool (`UV_THREADPOOL_SIZE`, 4 by
   * default), which also serves file reads, DNS lookups and Node's async crypto: left to fill every
   * thread, a burst of logins makes those wait behind it. A lower value also leaves the event loop a
   * core on a small machine, at the cost of logins per second.
   * @default one less than the threadpool size, at least 1
   */
  concurrency?: number;
}

/** A value `POST register` accepts for a column listed in `registration.fields`: a JSON scalar. */
export type RegistrationFieldValue = string | number | boolean | null;

/** What a `registration.validate` hook is told besides the fields. */
export interface RegistrationContext {
  /** The login handle as sent (before normalisation). */
  handle: string;
  /** The contact address when the body carried one (or the handle when it is the email). */
  email: string | undefined;
}

/**
 * An application's own check of a registration, run after the body passed the built-in checks and
 * before the password rules. Each problem it returns is listed in a 400 `validation_failed`; an empty
 * list (or nothing) accepts.
 */
export type RegistrationValidator = (
  fields: Readonly<Record<string, RegistrationFieldValue>>,
  context: RegistrationContext,
) => ValidationProblem[] | void | Promise<ValidationProblem[] | void>;

/**
 * The application's own columns `POST <prefix>/register` may set.
 *
 * @example
 * ```ts
 * registration: {
 *   fields: ['displayName', 'tenantId'],
 *   validate: ({ tenantId }) =>
 *     tenantId === 'acme' ? [] : [{ field: 'tenantId', message: 'tenantId must name a tenant.' }],
 * }
 * ```
 */
export interface RegistrationOptions {
  /**
   * Columns of the user entity (property names) a registration body may set. Each value must be a
   * JSON scalar of the column's kind (a string no longer than the column, a number, a boolean, `null`
   * for a nullable column), else a 400 `validation_failed` names the field; absent fields keep their
   * column default. The columns Portcullis owns (the primary key, `passwordHash`, `isActive`,
   * `isStaff`, `isSuperuser`, `lastLogin`, `dateJoined`, generated, date and version columns) and the
   * handle and `email`, which registration already takes, are refused at boot. Other body fields
   * stay ignored.
   * @default []
   */
  fields?: string[];
  /** An extra check of the listed fields; its problems answer 400 `validation_failed`. */
  validate?: RegistrationValidator;
}

/**
 * Options that may come from a factory (`forRootAsync`): they do not change which providers, routes or
 * entities exist.
 */
export interface AuthModuleOptions {
  /**
   * The user entity property that holds the login handle (`username`, `email`, ...).
   * @default 'username'
   */
  usernameField?: string;
  /**
   * Turns a login handle into its stored, comparable form. Applied on registration and on every lookup,
   * so two spellings that normalise alike can never be two accounts.
   * @default NFKC normalisation, surrounding whitespace removed, lower-cased
   */
  normalizeHandle?: (handle: string) => string;
  /** JWT settings. */
  jwt?: AuthJwtOptions;
  /**
   * Groups a user registered through `POST <prefix>/register` joins (created empty if missing).
   * @default []
   */
  defaultGroups?: string[];
  /** The application's own columns a registration may set, and its own check of them. */
  registration?: RegistrationOptions;
  /** API key settings. */
  apiKeys?: ApiKeyOptions;
  /** Outside issuers whose access tokens the `jwt` strategy also accepts. @default [] */
  externalIssuers?: ExternalIssuerOptions[];
  /** The browser cookie transport, used when `strategies` includes `cookie`. */
  browserSessions?: BrowserSessionOptions;
  /** The user cache of the access-token path. */
  userCache?: UserCacheOptions;
  /**
   * Milliseconds between reads of recently ended sessions from the database, so that a session ended by
   * another process (or the CLI) is refused here too. Sessions ended in this process are refused at
   * once. `0` turns the reads off (one process only).
   * @default 2000
   */
  revocationSyncInterval?: number;
  /**
   * Most live sessions (logins, browser ones included) a user may have. Starting one past the limit
   * ends the user's least recently used sessions (by last login or refresh, then age) with the reason
   * `session_limit`: their access tokens get 401 `token_revoked`, their refresh tokens
   * `invalid_grant`. A positive integer; unset, there is no limit.
   * @default undefined (no limit)
   */
  maxSessionsPerUser?: number;
  /** argon2id parameters for new hashes; stored hashes with other parameters are re-hashed on login. */
  passwordHashing?: PasswordHashingOptions;
  /**
   * Longest password accepted, in UTF-8 bytes; longer ones are a 400 before any hashing.
   * @default 1024
   */
  maxPasswordBytes?: number;
  /**
   * The rules a new password must pass on registration, change-password and the `createsuperuser` and
   * `changepassword` commands; every failure is listed in one 400 `invalid_password`. `[]` turns the
   * rules off (the `maxPasswordBytes` limit still holds). Logins never run them, so existing
   * passwords keep working.
   * @default defaultPasswordValidators(): at least 8 characters, at most `maxPasswordBytes`, not
   * among the 20,000 most common passwords, not too similar to the handle or email, not only digits
   *
   * @example
   * ```ts
   * // Longer passwords, and one rule of your own on top of the others:
   * passwordValidators: [
   *   new MinimumLengthValidator(12),
   *   ...defaultPasswordValidators().filter((v) => v.rule !== 'minimum_length'),
   *   { rule: 'product_name', validate: (p) => (/portcullis/i.test(p) ? 'Leave the site name out of your password.' : null) },
   * ]
   * ```
   */
  passwordValidators?: PasswordValidator[];
  /** Realm named in `WWW-Authenticate` challenges. @default 'portcullis' */
  realm?: string;
  /**
   * Where browsers are sent when an HTML route (`@LoginRequired({ redirectTo })` without a URL, or
   * `htmlNegotiation`) needs a login.
   * @default '/login'
   */
  loginUrl?: string;
  /**
   * When true, any protected GET whose `Accept` header prefers `text/html` is answered like an HTML
   * route: a 302 to `loginUrl` instead of a 401.
   * @default false
   */
  htmlNegotiation?: boolean;
  /**
   * Login and registration throttling; `false` turns it off (only for an app that throttles these
   * routes some other way).
   */
  throttle?: ThrottleOptions | false;
  /**
   * How many proxies of yours sit in front of the app, so the client address (for throttling and
   * session records) is read from `X-Forwarded-For`; `true` means one. Off, the TCP peer is the client
   * and a forged `X-Forwarded-For` changes nothing. Set it only when a proxy you run always overwrites
   * or appends that header.
   * @default false
   */
  trustProxy?: boolean | number;
  /**
   * Receives every {@link AuthEvent} (logins, failures, throttling, password changes, registrations),
   * e.g. for an audit log. Errors it throws are logged and ignored. More listeners can subscribe through
   * `AuthEvents`.
   */
  onAuthEvent?: AuthEventListener;
  /**
   * Redis, for the state several processes of the app must share: the throttle counters (unless
   * `throttle.store` is given). Either an ioredis client, which stays yours (Portcullis never closes
   * it), or a `redis://` URL, for which Portcullis opens a connection that fails fast (1 s command
   * timeout, no offline queue) and closes it at shutdown; `{ url, keyPrefix }` also puts a prefix before
   * every key. Without it, everything lives in this process.
   *
   * @example
   * ```ts
   * AuthModule.forRoot({ redis: process.env.REDIS_URL })
   * ```
   */
  redis?: Redis | string | RedisConnectionOptions;
}

/**
 * What this service is: `issuer` (the default) keeps users, logs them in and signs tokens;
 * `resource-server` only checks the tokens of a Portcullis issuer with its public keys.
 */
export type AuthMode = 'issuer' | 'resource-server';

/** Options that shape the module graph. With `forRootAsync` they sit beside `useFactory`. */
export interface AuthModuleStructuralOptions {
  /**
   * `resource-server`: a service that only accepts another Portcullis server's access tokens. It
   * needs the issuer's public keys (`jwt.keys` with `publicKey`, or `jwt.jwks`), signs nothing,
   * mounts no routes, uses no database (no `TypeOrmModule` needed) and only the `jwt` strategy. The
   * user on the request is a {@link TokenUser} built from the token's claims; its permissions come
   * from the `perms` claim (`jwt.permissionsClaim` on the issuer). Ending a session at the issuer does
   * not reach it: a token works until it expires, so keep `jwt.accessTokenTtl` short.
   * @default 'issuer'
   *
   * @example
   * ```ts
   * AuthModule.forRoot({
   *   mode: 'resource-server',
   *   jwt: { keys: [{ kid: '2026-12', algorithm: 'EdDSA', publicKey: process.env.ISSUER_PUBLIC_KEY }],
   *          issuer: 'https://id.example', audience: 'notes-api', accessTokenTtl: 300 },
   * })
   * ```
   */
  mode?: AuthMode;
  /**
   * The TypeORM entity class of users. It must be decorated with `@Entity()` and provide the user
   * contract: a primary key, the `usernameField` column and `passwordHash` (`isActive`, `isStaff`,
   * `isSuperuser`, `lastLogin` are used when present). Extending `AbstractUser` gives all of them.
   * @default User
   */
  userEntity?: Type<object>;
  /**
   * The strategies `LoginRequiredGuard` tries, in order: built-in names, and the application's own
   * strategy classes (implementing `CredentialStrategy`, provided by one of its modules) in any
   * position. With `routes`, `api-key` also mounts the `<prefix>/api-keys` routes, and `cookie`
   * (browser sessions) `POST <prefix>/browser/login` and `POST <prefix>/browser/logout`. See
   * docs/writing-a-strategy.md.
   * @default ['jwt', 'api-key', 'basic']
   * @example
   * ```ts
   * AuthModule.forRoot({ strategies: ['jwt', SignedRequestStrategy, 'api-key'], ... })
   * ```
   */
  strategies?: Array<LoginStrategyName | Type<CredentialStrategy>>;
  /**
   * Mounts the auth routes (`POST register`, `POST login`, `GET me`) under a prefix.
   * `true` mounts them under `/auth`.
   * @default false
   */
  routes?: boolean | { prefix?: string };
  /**
   * Mounts the admin routes under `<routes prefix>/admin` (groups, grants, memberships, deactivation),
   * for superusers only; requests authenticated by an API key are refused. Needs `routes` as well.
   * @default false
   */
  adminRoutes?: boolean;
  /**
   * Replaces the default permission resolver (Portcullis' tables) with your own class, e.g. one that
   * asks a policy engine.
   * @default DefaultPermissionResolver
   */
  permissionResolver?: Type<PermissionResolver>;
  /**
   * Installs `LoginRequiredGuard` as a global guard (APP_GUARD): every route needs a login unless it is
   * marked `@Public()`.
   * @default false
   */
  global?: boolean;
}

/** Everything `AuthModule.forRoot()` accepts. */
export type AuthModuleForRootOptions = AuthModuleOptions & AuthModuleStructuralOptions;
