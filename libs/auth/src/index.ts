// The public API of Portcullis. Anything not exported here, in './cli/index.ts' (`portcullis/cli`) or
// in './migrations/index.ts' (`portcullis/migrations`) is internal.
export { AuthModule } from './auth.module.js';
export type {
  RegistrationContext,
  RegistrationFieldValue,
  RegistrationOptions,
  RegistrationValidator,
  AuthJwtOptions,
  JwtFromRequest,
  AuthModuleForRootOptions,
  AuthModuleOptions,
  ApiKeyOptions,
  AuthModuleStructuralOptions,
  BrowserSessionOptions,
  ExternalIssuerOptions,
  LoginStrategyName,
  PasswordHashingOptions,
  RedisConnectionOptions,
  ThrottleLimit,
  ThrottleOptions,
  UserCacheOptions,
} from './auth.options.js';
export type { MailLinkPaths, MailOptions, OneTimeTokenOptions } from './options/mail.options.js';
export { defaultNormalizeHandle } from './auth.resolved-options.js';
export type { AuthMode } from './auth.options.js';
export {
  API_KEY_STRATEGY,
  AUTH_USER_ENTITY,
  AUTH_USER_REPOSITORY,
  BASIC_STRATEGY,
  COOKIE_STRATEGY,
  IS_PUBLIC_KEY,
  JWT_STRATEGY,
  LOGIN_REQUIRED_KEY,
  OPTIONAL_AUTH_KEY,
  PERMISSIONS_KEY,
  PASSWORD_STRATEGY,
  USER_PASSES_TEST_KEY,
} from './auth.constants.js';

export { AuthErrorCode } from './errors/auth-error-code.js';
export {
  ApiKeyRefusedException,
  AuthConfigurationError,
  AuthException,
  AuthServiceUnavailableException,
  CsrfFailedException,
  InsufficientPermissionsException,
  InternalErrorException,
  InvalidCredentialsException,
  InvalidGrantException,
  InvalidRequestException,
  InvalidPasswordException,
  InvalidTokenException,
  NotAuthenticatedException,
  ResourceNotFoundException,
  TokenExpiredException,
  TokenRevokedException,
  TooManyAttemptsException,
  UsernameTakenException,
  EmailNotVerifiedException,
  EmailTakenException,
  InvalidOneTimeTokenException,
  ValidationFailedException,
} from './errors/auth.exception.js';
export type { AuthErrorBody, PasswordProblem, ValidationProblem } from './errors/auth.exception.js';
export { isServiceUnavailableError } from './errors/is-service-unavailable-error.js';
export { ServiceUnavailableFilter } from './errors/service-unavailable.filter.js';
export { ServiceUnavailableInterceptor } from './errors/service-unavailable.interceptor.js';

export { AbstractUser } from './users/abstract-user.entity.js';
export { User } from './users/user.entity.js';
export type { AuthUser } from './users/auth-user.interface.js';
export type { PortcullisUserRegistry, RequestUser } from './users/request-user.js';
export { InjectUserRepository } from './users/inject-user-repository.decorator.js';
export { UserService } from './users/user.service.js';
export { UserCache } from './users/user-cache.js';
export { AccountService } from './users/account.service.js';
export type { CreateUserInput, UserId } from './users/user.service.js';

export { PasswordHasher } from './passwords/password-hasher.js';
export { PasswordPolicy } from './passwords/password-policy.js';
export type {
  PasswordUserContext,
  PasswordValidator,
} from './passwords/password-validator.interface.js';
export { defaultPasswordValidators } from './passwords/default-password-validators.js';
export { MinimumLengthValidator } from './passwords/minimum-length.validator.js';
export { MaximumLengthValidator } from './passwords/maximum-length.validator.js';
export { CommonPasswordValidator } from './passwords/common-password.validator.js';
export { UserAttributeSimilarityValidator } from './passwords/user-attribute-similarity.validator.js';
export type { UserAttributeSimilarityOptions } from './passwords/user-attribute-similarity.validator.js';
export { NumericPasswordValidator } from './passwords/numeric-password.validator.js';
export { PasswordBackend } from './backends/password.backend.js';
export type { LoginContext } from './backends/password.backend.js';
export { AuthEvents } from './events/auth-events.js';
export type { AuthEventInput } from './events/auth-events.js';
export type {
  AuthEvent,
  AuthEventListener,
  LoginFailedEvent,
  LoginMethod,
  LoginSucceededEvent,
  PasswordChangedEvent,
  ThrottledEvent,
  UserRegisteredEvent,
  AccountFlow,
  EmailChangedEvent,
  EmailVerifiedEvent,
  MagicLinkLoginEvent,
  MailFailedEvent,
  MailRequestedEvent,
  OneTimeTokenRejectedEvent,
} from './events/auth-event.js';

export { Mailer } from './mail/mailer.js';
export type { MailKind, MailMessage } from './mail/mailer.js';
export { SmtpMailer } from './mail/smtp-mailer.js';
export type { MailTransport } from './mail/smtp-mailer.js';
export { LogMailer } from './mail/log-mailer.js';
export { defaultMailTemplates, escapeMailHtml } from './mail/mail-templates.js';
export type {
  MailTemplate,
  MailTemplateContext,
  MailTemplates,
  RenderedMail,
} from './mail/mail-templates.js';
export { OneTimeToken } from './account-flows/one-time-token.entity.js';
export { VerifiedEmail } from './account-flows/verified-email.entity.js';
export { PasswordResetService } from './account-flows/password-reset.service.js';
export { EmailVerificationService } from './account-flows/email-verification.service.js';
export { EmailChangeService } from './account-flows/email-change.service.js';
export { MagicLinkService } from './account-flows/magic-link.service.js';
export type { MailAcceptedBody } from './http/account-flows.controllers.js';
export { LoginThrottle } from './throttle/login-throttle.js';
export type { LoginAttempt } from './throttle/login-throttle.js';
export { clientAddress } from './http-request/client-address.js';
export { ThrottleStore } from './throttle/throttle-store.js';
export type { ThrottleCount } from './throttle/throttle-store.js';
export { MemoryThrottleStore } from './throttle/memory-throttle-store.js';
export type { MemoryThrottleStoreOptions } from './throttle/memory-throttle-store.js';
export { RedisThrottleStore } from './throttle/redis-throttle-store.js';
export type { RedisThrottleStoreOptions } from './throttle/redis-throttle-store.js';
export { Clock, SystemClock } from './throttle/clock.js';
export { AuthRedis } from './redis/auth-redis.js';
export type { RedisClient } from './redis/redis-client.js';
export { JwtBackend } from './backends/jwt.backend.js';
export type { AccessTokenInfo } from './backends/jwt.backend.js';
export { ALL_PERMISSIONS_CLAIM, PERMISSIONS_CLAIM } from './permissions/permissions-claim.js';
export type { TokenUser } from './users/token-user.interface.js';
export { TokenService, ACCESS_TOKEN_TYPE, REFRESH_TOKEN_TYPE } from './tokens/token.service.js';
export { KeyRing } from './tokens/key-ring.js';
export type { JsonWebKeySet } from './tokens/key-ring.js';
export { JWT_ALGORITHMS } from './tokens/jwt-keys.js';
export { verifyJwsSignatureOnly } from './tokens/verify-jws-signature-only.js';
export type { VerifiedJwsSignature } from './tokens/verify-jws-signature-only.js';
export type { JwtAlgorithm, JwtKeyOptions, KeyMaterial } from './tokens/jwt-keys.js';
export type {
  AccessTokenClaims,
  RefreshTokenClaims,
  TokenResponse,
} from './tokens/token.service.js';

export { AuthSession } from './sessions/auth-session.entity.js';
export { RefreshTokenRecord } from './sessions/refresh-token.entity.js';
export { SessionService } from './sessions/session.service.js';
export type { IssuedTokens, SessionClient, SessionEndReason } from './sessions/session.service.js';
export { RevokedSessionRegistry } from './sessions/revoked-session.registry.js';
export { BrowserSessionBackend } from './backends/browser-session.backend.js';
export type {
  BrowserSessionInfo,
  BrowserSessionTokens,
} from './backends/browser-session.backend.js';
export { SessionCookies } from './http-request/session-cookies.js';
export type { SessionCookiePair, SessionCookieValues } from './http-request/session-cookies.js';
export { SameOriginCheck } from './http-request/same-origin-check.js';
export { CookieStrategy } from './strategies/cookie.strategy.js';

export { ApiKey } from './api-keys/api-key.entity.js';
export { ApiKeyService } from './api-keys/api-key.service.js';
export type { ApiKeyInfo, NewApiKey } from './api-keys/api-key.service.js';
export { ApiKeyFormat } from './api-keys/api-key-format.js';
export type { ApiKeyParts } from './api-keys/api-key-format.js';
export { ApiKeyStrategy } from './strategies/api-key.strategy.js';
export type { ApiKeyView } from './http/api-keys.controller.js';
export type { SessionView } from './http/auth.controller.js';
export type { UserPermissionsView } from './http/admin.controller.js';

export { JwtStrategy } from './strategies/jwt.strategy.js';
export { BasicStrategy } from './strategies/basic.strategy.js';
export { PasswordStrategy } from './strategies/password.strategy.js';
export type {
  CredentialStrategy,
  StrategyVerdict,
} from './strategies/credential-strategy.interface.js';
export type { AuthRequest } from './http-request/auth-request.js';
export type {
  AuthInfo,
  AuthenticatedRequest,
  PortcullisAuthInfoRegistry,
} from './strategies/auth-info.js';
export type { MaybeAsync } from './common/maybe-async.js';
export type { BasicLoginInfo } from './strategies/basic.strategy.js';
export type { PasswordLoginInfo } from './strategies/password.strategy.js';

export { LoginRequiredGuard } from './guards/login-required.guard.js';
export { AuthGuard } from './guards/auth.guard.js';
export { LoginCredentialsGuard } from './guards/login-credentials.guard.js';
export { AccountManagementGuard } from './guards/account-management.guard.js';
export { safeRedirectPath } from './guards/safe-redirect-path.js';

export { CurrentUser } from './decorators/current-user.decorator.js';
export { Public } from './decorators/public.decorator.js';
export { OptionalAuth } from './decorators/optional-auth.decorator.js';
export { LoginRequired } from './decorators/login-required.decorator.js';
export type { LoginRequiredOptions } from './guards/login-required-options.js';

export { Permissions } from './decorators/permissions.decorator.js';
export type { PermissionRequirement } from './guards/permission-requirement.js';
export { PermissionsGuard } from './guards/permissions.guard.js';
export { StaffOnly } from './decorators/staff-only.decorator.js';
export { StaffGuard } from './guards/staff.guard.js';
export { UserPassesTest } from './decorators/user-passes-test.decorator.js';
export type {
  UserPassesTestOptions,
  UserPassesTestRequirement,
  UserPredicate,
} from './guards/user-passes-test.requirement.js';
export { UserPassesTestGuard } from './guards/user-passes-test.guard.js';
export { isStaff, isSuperuser } from './guards/user-predicates.js';
export {
  ALL_PERMISSIONS,
  PermissionResolver,
  type PermissionSet,
} from './permissions/permission-resolver.js';
export { DefaultPermissionResolver } from './permissions/default-permission.resolver.js';
export { TokenClaimsPermissionResolver } from './permissions/token-claims-permission.resolver.js';
export { PermissionService } from './permissions/permission.service.js';
export type { GroupView } from './permissions/permission.service.js';
export {
  AuthGroup,
  GroupPermission,
  UserGroup,
  UserPermission,
} from './permissions/permission-grant.entities.js';
export {
  PERMISSION_CODENAME,
  isGroupName,
  isPermissionCodename,
} from './permissions/permission-codename.js';
