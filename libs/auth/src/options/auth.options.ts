import type { Type } from '@nestjs/common';
import type { CredentialStrategy } from '../strategies/credential-strategy.interface.js';
import type { PermissionResolver } from '../permissions/permission-resolver.js';
import type { AuthEventListener } from '../events/auth-event.js';
import type { PasswordValidator } from '../passwords/password-validator.interface.js';
import type { RedisClient as Redis } from '../redis/redis-client.js';
import type { ApiKeyOptions } from './api-key.options.js';
import type { BrowserSessionOptions } from './browser.options.js';
import type { AuthJwtOptions, ExternalIssuerOptions } from './jwt.options.js';
import type { MailOptions, OneTimeTokenOptions } from './mail.options.js';
import type { PasswordHashingOptions } from './password.options.js';
import type { RedisConnectionOptions } from './redis.options.js';
import type { ThrottleOptions } from './throttle.options.js';
import type { RegistrationOptions, UserCacheOptions } from './user.options.js';

/** A strategy that `LoginRequiredGuard` can try, by name. */
export type LoginStrategyName = 'jwt' | 'api-key' | 'basic' | 'cookie';

/** Every strategy name `LoginRequiredGuard` accepts in `strategies`. */
export const LOGIN_STRATEGY_NAMES: readonly LoginStrategyName[] = [
  'jwt',
  'api-key',
  'basic',
  'cookie',
];

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
  /**
   * How messages are sent: needed when a mail flow (`passwordReset`, `emailVerification`,
   * `emailChange`, `magicLink`) is on. See docs/mail.md.
   */
  mail?: MailOptions;
  /** Lifetimes of the mail flows' one-time links and codes. */
  oneTimeTokens?: OneTimeTokenOptions;
  /**
   * With `emailVerification`: a user whose address is not verified cannot sign in (a right password
   * answers 403 `email_not_verified`, and a new verification link is sent), and every guarded route
   * refuses their existing sessions and API keys with the same 403 (an HTML route redirects to
   * `loginUrl` with `?error=email_not_verified`). `POST register` then requires an `email`.
   * @default false
   */
  requireVerifiedEmail?: boolean;
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
  routes?:
    | boolean
    | {
        /** The path the routes are mounted under. @default 'auth' */
        prefix?: string;
      };
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
  /**
   * Password reset by mail: `POST <prefix>/password/forgot {email}` sends a link to the page at
   * `mail.links.resetPassword`, and `POST <prefix>/password/reset {token, new_password}` sets the
   * password. Needs `routes`, `mail` and an `email` column on the user entity.
   * @default false
   */
  passwordReset?: boolean;
  /**
   * Email verification: registration sends a link, `POST <prefix>/email/verify {token}` marks the
   * address verified and `POST <prefix>/email/verify/resend` sends a new one. Needs `routes`, `mail`
   * and an `email` column. See also `requireVerifiedEmail`.
   * @default false
   */
  emailVerification?: boolean;
  /**
   * Change of email: `POST <prefix>/email/change {new_email, password}` mails a confirmation link
   * to the new address and a notice to the old one; `POST <prefix>/email/change/confirm {token}`
   * applies it. Needs `routes`, `mail` and an `email` column.
   * @default false
   */
  emailChange?: boolean;
  /**
   * Sign-in by mail: `POST <prefix>/magic-link {email}` mails a link and a 6-digit code;
   * `POST <prefix>/magic-link/verify {token}` or `{email, code}` answers a token pair. Needs
   * `routes`, `mail` and an `email` column.
   * @default false
   */
  magicLink?: boolean;
}

/** Everything `AuthModule.forRoot()` accepts. */
export type AuthModuleForRootOptions = AuthModuleOptions & AuthModuleStructuralOptions;
