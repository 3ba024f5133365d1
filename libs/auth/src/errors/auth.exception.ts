import { HttpException, HttpStatus } from '@nestjs/common';
import { AuthErrorCode } from './auth-error-code.js';

/**
 * The JSON body of every Portcullis error response.
 *
 * @example
 * ```json
 * { "statusCode": 401, "error": "invalid_credentials", "message": "Invalid username or password." }
 * ```
 */
export interface AuthErrorBody {
  /** The HTTP status, repeated for clients that only see the body. */
  statusCode: number;
  /** A stable {@link AuthErrorCode}. */
  error: AuthErrorCode;
  /** Human-readable text; may change between versions, unlike `error`. */
  message: string;
  /**
   * For `validation_failed`: one entry per field that failed; for `invalid_password`: one
   * {@link PasswordProblem} per password rule that failed.
   */
  details?: ValidationProblem[];
  /** For `insufficient_permissions`: the permissions lacking. */
  missing?: string[];
}

/** One failed input rule, as listed in a `validation_failed` body. */
export interface ValidationProblem {
  /** The body field at fault (`username`, `password`, ...), or `body` for the whole body. */
  field: string;
  /** What is wrong and how to fix it. */
  message: string;
}

/**
 * Base class of every error Portcullis answers with. It is an `HttpException`, so Nest's default
 * exception handling writes its {@link AuthErrorBody}; apps with their own filters can branch on `code`.
 */
export class AuthException extends HttpException {
  constructor(
    /** The stable error code. */
    readonly code: AuthErrorCode,
    message: string,
    status: number,
    details?: ValidationProblem[],
  ) {
    const body: AuthErrorBody = { statusCode: status, error: code, message };
    if (details) body.details = details;
    super(body, status);
  }
}

/** 401 `not_authenticated`: the route needs a user and the request carried no credential. */
export class NotAuthenticatedException extends AuthException {
  constructor(message = 'Authentication is required.') {
    super(AuthErrorCode.NotAuthenticated, message, HttpStatus.UNAUTHORIZED);
  }
}

/**
 * 401 `invalid_credentials`: a handle/password pair did not authenticate. Deliberately the same for an
 * unknown user, a wrong password and an inactive account.
 */
export class InvalidCredentialsException extends AuthException {
  constructor() {
    super(AuthErrorCode.InvalidCredentials, 'Invalid credentials.', HttpStatus.UNAUTHORIZED);
  }
}

/** 401 `invalid_token`: a bearer token was sent but is malformed, forged, of the wrong kind or unusable. */
export class InvalidTokenException extends AuthException {
  constructor(message = 'The access token is invalid.') {
    super(AuthErrorCode.InvalidToken, message, HttpStatus.UNAUTHORIZED);
  }
}

/** 401 `token_expired`: a bearer token with a valid signature whose lifetime is over. */
export class TokenExpiredException extends AuthException {
  constructor(message = 'The access token has expired.') {
    super(AuthErrorCode.TokenExpired, message, HttpStatus.UNAUTHORIZED);
  }
}

/** 401 `token_revoked`: a valid token of a session that has ended (logout, password change, ...). */
export class TokenRevokedException extends AuthException {
  constructor(message = 'The session of this token has ended.') {
    super(AuthErrorCode.TokenRevoked, message, HttpStatus.UNAUTHORIZED);
  }
}

/**
 * 401 `invalid_grant`: a refresh token that is malformed, expired, already used, or of an ended
 * session. Reuse of a used refresh token also ends its whole session.
 */
export class InvalidGrantException extends AuthException {
  constructor(message = 'The refresh token is invalid, expired or revoked.') {
    super(AuthErrorCode.InvalidGrant, message, HttpStatus.UNAUTHORIZED);
  }
}

/**
 * 400 `invalid_request`: an `Authorization: Bearer` value that is not one RFC 6750 b64token (no token,
 * two tokens, characters outside the b64token set), answered with
 * `WWW-Authenticate: Bearer error="invalid_request"` (RFC 6750 section 3.1).
 */
export class InvalidRequestException extends AuthException {
  constructor(message = 'The Authorization header is not a well-formed Bearer credential.') {
    super(AuthErrorCode.InvalidRequest, message, HttpStatus.BAD_REQUEST);
  }
}

/**
 * 400 `invalid_token`: a one-time token or sign-in code (password reset, email verification or
 * change, magic link) that is unknown, used, expired, voided or malformed. One answer for all, so a
 * guess learns nothing.
 */
export class InvalidOneTimeTokenException extends AuthException {
  constructor(message = 'This link or code is invalid or has expired. Ask for a new one.') {
    super(AuthErrorCode.InvalidToken, message, HttpStatus.BAD_REQUEST);
  }
}

/**
 * 403 `email_not_verified`: with `requireVerifiedEmail`, the account's address is not verified yet
 * (answered only after a right password, so it tells nobody who exists).
 */
export class EmailNotVerifiedException extends AuthException {
  constructor(
    message = 'Confirm your email address first: follow the link we sent you (a new one is on its way).',
  ) {
    super(AuthErrorCode.EmailNotVerified, message, HttpStatus.FORBIDDEN);
  }
}

/** 409 `email_taken`: confirming a change of email to an address another account took meanwhile. */
export class EmailTakenException extends AuthException {
  constructor(message = 'That email address belongs to another account now.') {
    super(AuthErrorCode.EmailTaken, message, HttpStatus.CONFLICT);
  }
}

/** 409 `username_taken`: registration with a login handle that already exists. */
export class UsernameTakenException extends AuthException {
  constructor(message = 'An account with this login already exists.') {
    super(AuthErrorCode.UsernameTaken, message, HttpStatus.CONFLICT);
  }
}

/**
 * 429 `too_many_attempts`: too many logins (or registrations) from this handle or address in the current
 * window. `retryAfter` seconds until the window passes; guards send it as `Retry-After`.
 */
export class TooManyAttemptsException extends AuthException {
  constructor(
    /** Whole seconds until another attempt is allowed (at least 1). */
    readonly retryAfter: number,
  ) {
    super(
      AuthErrorCode.TooManyAttempts,
      `Too many attempts. Try again in ${retryAfter} second${retryAfter === 1 ? '' : 's'}.`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/** 400 `validation_failed`: the request body or a field in it has the wrong shape. */
export class ValidationFailedException extends AuthException {
  constructor(details: ValidationProblem[]) {
    super(
      AuthErrorCode.ValidationFailed,
      details.map((problem) => problem.message).join(' '),
      HttpStatus.BAD_REQUEST,
      details,
    );
  }
}

/** One failed password rule, as listed in an `invalid_password` body. */
export interface PasswordProblem extends ValidationProblem {
  /** The stable id of the rule (`minimum_length`, `common`, ...): a `PasswordValidator`'s `rule`. */
  rule: string;
}

/**
 * 400 `invalid_password`: a new password (registration, change-password) breaks the password rules.
 * `details` lists every rule that failed, each with what to do about it.
 *
 * @example
 * ```json
 * { "statusCode": 400, "error": "invalid_password", "message": "This password is too short: ...",
 *   "details": [{ "field": "password", "rule": "minimum_length", "message": "This password is too short: use at least 8 characters." }] }
 * ```
 */
export class InvalidPasswordException extends AuthException {
  constructor(
    /** Every failed rule, in the order of the validators. */
    readonly problems: PasswordProblem[],
  ) {
    super(
      AuthErrorCode.InvalidPassword,
      problems.map((problem) => problem.message).join(' '),
      HttpStatus.BAD_REQUEST,
      problems,
    );
  }
}

/** 403 `insufficient_permissions`: logged in, but not allowed; `missing` names what is lacking. */
export class InsufficientPermissionsException extends AuthException {
  constructor(
    /** The permission codenames the caller lacks (for an any-of requirement, all of them). */
    readonly missing: string[],
    message = `Missing permission: ${missing.join(', ')}.`,
  ) {
    super(AuthErrorCode.InsufficientPermissions, message, HttpStatus.FORBIDDEN);
    (this.getResponse() as AuthErrorBody).missing = missing;
  }
}

/**
 * 403 `insufficient_permissions`: the request was authenticated by an API key, on a route that manages
 * the account itself (its password, sessions, keys) or other accounts (the admin routes). Keys are
 * credentials for scripts, whatever their scopes; managing an account takes a login.
 */
export class ApiKeyRefusedException extends AuthException {
  constructor(message = 'API keys cannot manage the account; log in as the user.') {
    super(AuthErrorCode.InsufficientPermissions, message, HttpStatus.FORBIDDEN);
  }
}

/** 404 `not_found`: the user, group or other record named in the path does not exist. */
export class ResourceNotFoundException extends AuthException {
  constructor(message = 'Not found.') {
    super(AuthErrorCode.NotFound, message, HttpStatus.NOT_FOUND);
  }
}

/**
 * 403 `csrf_failed`: a state-changing request authenticated by a browser cookie came from another
 * origin (or did not say where it came from).
 */
export class CsrfFailedException extends AuthException {
  constructor() {
    super(
      AuthErrorCode.CsrfFailed,
      'Cross-site request refused: this request must come from the site itself.',
      HttpStatus.FORBIDDEN,
    );
  }
}

/**
 * 503 `service_unavailable`: Portcullis cannot tell whether a credential is still good (its database
 * is unreachable), so it refuses rather than guess.
 */
export class AuthServiceUnavailableException extends AuthException {
  constructor(message = 'Authentication is temporarily unavailable.') {
    super(AuthErrorCode.ServiceUnavailable, message, HttpStatus.SERVICE_UNAVAILABLE);
  }
}

/**
 * 500 `internal_error`: something failed that the request could not have caused (a bug, a column the
 * database refused). The body says nothing more; the log has a line naming the error's class and
 * driver code, never its message or query parameters, which can hold a password hash.
 */
export class InternalErrorException extends AuthException {
  constructor(message = 'Something went wrong on our side.') {
    super(AuthErrorCode.InternalError, message, HttpStatus.INTERNAL_SERVER_ERROR);
  }
}

/**
 * Thrown at boot when `AuthModule` options are wrong. The message lists every problem and how to fix it.
 */
export class AuthConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid Portcullis AuthModule options:\n - ${problems.join('\n - ')}`);
    this.name = 'AuthConfigurationError';
  }
}
