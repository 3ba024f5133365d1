/**
 * The stable error codes Portcullis puts in the `error` field of every error body. Clients may branch on
 * them; they never change meaning.
 */
export const AuthErrorCode = {
  NotAuthenticated: 'not_authenticated',
  InvalidCredentials: 'invalid_credentials',
  InvalidToken: 'invalid_token',
  TokenExpired: 'token_expired',
  TokenRevoked: 'token_revoked',
  InvalidGrant: 'invalid_grant',
  InsufficientPermissions: 'insufficient_permissions',
  TooManyAttempts: 'too_many_attempts',
  UsernameTaken: 'username_taken',
  InvalidPassword: 'invalid_password',
  ValidationFailed: 'validation_failed',
  ServiceUnavailable: 'service_unavailable',
  CsrfFailed: 'csrf_failed',
  NotFound: 'not_found',
  InternalError: 'internal_error',
  InvalidRequest: 'invalid_request',
  EmailNotVerified: 'email_not_verified',
  EmailTaken: 'email_taken',
} as const;

/** One of the {@link AuthErrorCode} values. */
export type AuthErrorCode = (typeof AuthErrorCode)[keyof typeof AuthErrorCode];
