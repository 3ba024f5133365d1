import type { AuthMode, LoginStrategyName } from './auth.options.js';

/** A throttle budget as the options give it: attempts in a window of seconds. */
interface ThrottleBudgetDefault {
  readonly limit: number;
  readonly window: number;
}

/**
 * The shape of {@link AUTH_DEFAULTS}. Keys follow the option paths (`jwt.accessTokenTtl` is
 * `AUTH_DEFAULTS.jwt.accessTokenTtl`), so the TSDoc `@default` of an option can be checked against it.
 */
export interface AuthDefaults {
  readonly mode: AuthMode;
  readonly strategies: readonly LoginStrategyName[];
  /** A resource server only ever has access tokens to check. */
  readonly resourceServerStrategies: readonly LoginStrategyName[];
  readonly routes: boolean;
  /** Where `routes: true` (or `routes: {}`) mounts the auth routes. */
  readonly routesPrefix: string;
  readonly adminRoutes: boolean;
  readonly global: boolean;
  /** The mail flows, each off until turned on. */
  readonly passwordReset: boolean;
  readonly emailVerification: boolean;
  readonly emailChange: boolean;
  readonly magicLink: boolean;
  readonly usernameField: string;
  readonly jwt: {
    readonly issuer: string;
    readonly audience: string;
    readonly accessTokenTtl: number;
    readonly leeway: number;
    readonly refreshTokenTtl: number;
    readonly refreshTokenIdleTtl: number;
    readonly refreshReuseGrace: number;
    readonly permissionsClaim: boolean;
  };
  readonly externalIssuers: readonly never[];
  /** What each entry of `externalIssuers` leaves out. */
  readonly externalIssuer: {
    readonly algorithms: readonly ('RS256' | 'PS256' | 'ES256' | 'EdDSA')[];
    readonly subjectClaim: string;
    readonly maxTokenLifetime: number;
  };
  readonly apiKeys: {
    readonly prefix: string;
    readonly cache: { readonly max: number; readonly ttl: number };
  };
  readonly browserSessions: {
    readonly secure: boolean;
    readonly trustedOrigins: readonly string[];
    /** Cookie names start with these; `__Host-` is only allowed on Secure cookies. */
    readonly cookiePrefix: { readonly secure: string; readonly insecure: string };
  };
  readonly userCache: { readonly max: number; readonly ttl: number };
  readonly defaultGroups: readonly string[];
  readonly registration: { readonly fields: readonly string[] };
  readonly revocationSyncInterval: number;
  readonly maxSessionsPerUser: number | undefined;
  readonly passwordHashing: {
    readonly memoryCost: number;
    readonly timeCost: number;
    readonly parallelism: number;
  };
  readonly maxPasswordBytes: number;
  readonly realm: string;
  readonly loginUrl: string;
  readonly htmlNegotiation: boolean;
  readonly throttle: {
    readonly loginPerHandle: ThrottleBudgetDefault;
    readonly loginPerAddress: ThrottleBudgetDefault;
    readonly registrationPerAddress: ThrottleBudgetDefault;
    readonly mailPerAddress: ThrottleBudgetDefault;
    readonly mailPerEmail: ThrottleBudgetDefault;
    readonly oneTimeTokenPerAddress: ThrottleBudgetDefault;
  };
  readonly trustProxy: boolean | number;
  readonly requireVerifiedEmail: boolean;
  readonly mail: {
    readonly links: {
      readonly resetPassword: string;
      readonly verifyEmail: string;
      readonly confirmEmailChange: string;
      readonly magicLink: string;
    };
  };
  readonly oneTimeTokens: {
    readonly passwordResetTtl: number;
    readonly emailVerificationTtl: number;
    readonly emailChangeTtl: number;
    readonly magicLinkTtl: number;
    readonly magicLinkMaxAttempts: number;
  };
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null) deepFreeze(child);
  }
  return Object.freeze(value);
}

/**
 * Every value the options resolvers fall back to when an option is left out: the one place a default
 * is written. Frozen because every module instance shares it; resolvers copy the arrays they hand on.
 * `auth-defaults.spec.ts` checks the options' TSDoc `@default` tags against it.
 */
export const AUTH_DEFAULTS: AuthDefaults = deepFreeze({
  mode: 'issuer',
  strategies: ['jwt', 'api-key', 'basic'],
  resourceServerStrategies: ['jwt'],
  routes: false,
  routesPrefix: 'auth',
  adminRoutes: false,
  global: false,
  passwordReset: false,
  emailVerification: false,
  emailChange: false,
  magicLink: false,
  usernameField: 'username',
  jwt: {
    issuer: 'portcullis',
    audience: 'portcullis',
    accessTokenTtl: 900,
    leeway: 30,
    refreshTokenTtl: 2_592_000,
    refreshTokenIdleTtl: 1_209_600,
    refreshReuseGrace: 5,
    permissionsClaim: false,
  },
  externalIssuers: [],
  externalIssuer: {
    algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    subjectClaim: 'sub',
    maxTokenLifetime: 86_400,
  },
  apiKeys: { prefix: 'pcs', cache: { max: 10_000, ttl: 60 } },
  browserSessions: {
    secure: true,
    trustedOrigins: [],
    cookiePrefix: { secure: '__Host-portcullis', insecure: 'portcullis' },
  },
  userCache: { max: 10_000, ttl: 30 },
  defaultGroups: [],
  registration: { fields: [] },
  revocationSyncInterval: 2000,
  maxSessionsPerUser: undefined,
  passwordHashing: { memoryCost: 19456, timeCost: 2, parallelism: 1 },
  maxPasswordBytes: 1024,
  realm: 'portcullis',
  loginUrl: '/login',
  htmlNegotiation: false,
  throttle: {
    loginPerHandle: { limit: 5, window: 900 },
    loginPerAddress: { limit: 50, window: 900 },
    registrationPerAddress: { limit: 20, window: 3600 },
    mailPerAddress: { limit: 20, window: 3600 },
    mailPerEmail: { limit: 3, window: 900 },
    oneTimeTokenPerAddress: { limit: 30, window: 900 },
  },
  trustProxy: false,
  requireVerifiedEmail: false,
  mail: {
    links: {
      resetPassword: '/reset-password',
      verifyEmail: '/verify-email',
      confirmEmailChange: '/confirm-email',
      magicLink: '/magic-link',
    },
  },
  oneTimeTokens: {
    passwordResetTtl: 1800,
    emailVerificationTtl: 259_200,
    emailChangeTtl: 86_400,
    magicLinkTtl: 900,
    magicLinkMaxAttempts: 5,
  },
});
