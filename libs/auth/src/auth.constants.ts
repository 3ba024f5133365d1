/**
 * Injection token under which Portcullis provides the user entity class in use: the built-in `User`, or
 * the application's own entity passed as `userEntity`.
 *
 * @example
 * ```ts
 * constructor(@Inject(AUTH_USER_ENTITY) private readonly userEntity: Type<Account>) {}
 * ```
 */
export const AUTH_USER_ENTITY = 'PORTCULLIS:USER_ENTITY';

/**
 * Injection token of the TypeORM repository of the user entity. Prefer the `InjectUserRepository()`
 * decorator, which uses it.
 */
export const AUTH_USER_REPOSITORY = 'PORTCULLIS:USER_REPOSITORY';

/** Name of the JWT (access token, `Authorization: Bearer <jwt>`) strategy. */
export const JWT_STRATEGY = 'jwt';

/** Name of the HTTP Basic (`Authorization: Basic ...`) strategy. */
export const BASIC_STRATEGY = 'basic';

/** Name of the API key strategy (`X-API-Key` or `Authorization: Bearer pcs_...`). */
export const API_KEY_STRATEGY = 'api-key';

/** Name of the browser-session strategy, which reads tokens from HttpOnly cookies. */
export const COOKIE_STRATEGY = 'cookie';

/** Name of the password strategy, which reads the login handle and password from a JSON or form body. */
export const PASSWORD_STRATEGY = 'password';

/** Metadata key set by `@Public()`. */
export const IS_PUBLIC_KEY = 'AUTH:PUBLIC';

/** Metadata key set by `@OptionalAuth()`. */
export const OPTIONAL_AUTH_KEY = 'AUTH:OPTIONAL_AUTH';

/** Metadata key set by `@Permissions()`, holding its requirement. */
export const PERMISSIONS_KEY = 'AUTH:PERMISSIONS';

/** Metadata key set by `@LoginRequired()`, holding its {@link LoginRequiredOptions}. */
export const LOGIN_REQUIRED_KEY = 'AUTH:LOGIN_REQUIRED';

/**
 * Metadata key set by `@UserPassesTest()`, holding the route's list of
 * {@link UserPassesTestRequirement}s (one per decorator, all of which must pass).
 */
export const USER_PASSES_TEST_KEY = 'AUTH:USER_PASSES_TEST';
