import { DynamicModule, Module, Provider, Type, UseInterceptors } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AUTH_USER_ENTITY, AUTH_USER_REPOSITORY } from './auth.constants.js';
import { AUTH_RESOLVED_OPTIONS, AUTH_STRUCTURAL_OPTIONS } from './auth.internal-constants.js';
import {
  AUTH_ASYNC_OPTIONS_TYPE,
  AUTH_MODULE_OPTIONS,
  AUTH_OPTIONS_TYPE,
  ConfigurableAuthModule,
} from './auth.module-definition.js';
import type { AuthModuleOptions, AuthModuleStructuralOptions } from './auth.options.js';
import {
  resolveAuthOptions,
  resolveStructuralOptions,
  type ResolvedAuthOptions,
  ResolvedStructuralOptions,
} from './auth.resolved-options.js';
import { JwtBackend } from './backends/jwt.backend.js';
import { TokenUsers } from './backends/token-user.js';
import { PasswordBackend } from './backends/password.backend.js';
import { AuthConfigurationError } from './errors/auth.exception.js';
import { RouteErrorInterceptor } from './errors/route-error.interceptor.js';
import { AccountManagementGuard } from './guards/account-management.guard.js';
import { AuthGuard } from './guards/auth.guard.js';
import { LoginCredentialsGuard } from './guards/login-credentials.guard.js';
import { LoginRequiredGuard } from './guards/login-required.guard.js';
import { RequestAuthenticator } from './guards/request-authenticator.js';
import { RequestShape } from './guards/request-shape.js';
import { StrategyRegistry } from './guards/strategy-registry.js';
import { createAuthController } from './http/auth.controller.js';
import { BodyErrorsModule } from './http/body-errors.module.js';
import { ChallengeInterceptor } from './http/challenge.interceptor.js';
import { PasswordHasher } from './passwords/password-hasher.js';
import { PasswordPolicy } from './passwords/password-policy.js';
import { BasicStrategy } from './strategies/basic.strategy.js';
import { JwtStrategy } from './strategies/jwt.strategy.js';
import { PasswordStrategy } from './strategies/password.strategy.js';
import { AuthSession } from './sessions/auth-session.entity.js';
import { RefreshTokenRecord } from './sessions/refresh-token.entity.js';
import { RevokedSessionRegistry } from './sessions/revoked-session.registry.js';
import { SessionService } from './sessions/session.service.js';
import { ApiKey } from './api-keys/api-key.entity.js';
import { PermissionsGuard } from './guards/permissions.guard.js';
import { StaffGuard } from './guards/staff.guard.js';
import { SuperuserGuard } from './guards/superuser.guard.js';
import { UserPassesTestGuard } from './guards/user-passes-test.guard.js';
import { DefaultPermissionResolver } from './permissions/default-permission.resolver.js';
import {
  AuthGroup,
  GroupPermission,
  UserGroup,
  UserPermission,
} from './permissions/permission-grant.entities.js';
import { PermissionResolver } from './permissions/permission-resolver.js';
import { PermissionService } from './permissions/permission.service.js';
import { PermissionsClaim } from './permissions/permissions-claim.js';
import { TokenClaimsPermissionResolver } from './permissions/token-claims-permission.resolver.js';
import { ApiKeyService } from './api-keys/api-key.service.js';
import { createAdminController } from './http/admin.controller.js';
import { createApiKeysController } from './http/api-keys.controller.js';
import { createBrowserSessionController } from './http/browser-session.controller.js';
import { ApiKeyStrategy } from './strategies/api-key.strategy.js';
import { JwksController } from './http/jwks.controller.js';
import { BrowserSessionBackend } from './backends/browser-session.backend.js';
import { SameOriginCheck } from './http-request/same-origin-check.js';
import { SessionCookies } from './http-request/session-cookies.js';
import { CookieStrategy } from './strategies/cookie.strategy.js';
import { ExternalIssuers } from './tokens/external-issuers.js';
import { KeyRing } from './tokens/key-ring.js';
import { TokenService } from './tokens/token.service.js';
import { AccountService } from './users/account.service.js';
import { RegistrationService } from './users/registration.service.js';
import { UserCache } from './users/user-cache.js';
import { UserService } from './users/user.service.js';
import { AuthEvents } from './events/auth-events.js';
import { Clock, SystemClock } from './throttle/clock.js';
import { LoginThrottle } from './throttle/login-throttle.js';
import { MemoryThrottleStore } from './throttle/memory-throttle-store.js';
import { ThrottleStore } from './throttle/throttle-store.js';
import { RedisThrottleStore } from './throttle/redis-throttle-store.js';
import { AuthRedis } from './redis/auth-redis.js';
import { AccountMail } from './account-flows/account-mail.js';
import { EmailChangeService } from './account-flows/email-change.service.js';
import { EmailVerificationService } from './account-flows/email-verification.service.js';
import { MagicLinkService } from './account-flows/magic-link.service.js';
import { OneTimeToken } from './account-flows/one-time-token.entity.js';
import { OneTimeTokens } from './account-flows/one-time-tokens.js';
import { PasswordResetService } from './account-flows/password-reset.service.js';
import { VerifiedEmail } from './account-flows/verified-email.entity.js';
import { VerifiedEmails } from './account-flows/verified-emails.js';
import { createMailer } from './mail/create-mailer.js';
import { Mailer } from './mail/mailer.js';
import { createAccountFlowControllers } from './http/account-flows.controllers.js';
import { InvalidationBus } from './redis/invalidation-bus.js';

/**
 * Portcullis. Import it once, in the root module; it is global, so its guards, decorators and services
 * work in every module. Needs a `TypeOrmModule.forRoot()` connection in the app, except in
 * `mode: 'resource-server'`, which reads no database.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     TypeOrmModule.forRoot({ type: 'better-sqlite3', database: 'data/app.sqlite', autoLoadEntities: true, synchronize: true }),
 *     AuthModule.forRoot({ routes: true }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 */
@Module({})
export class AuthModule extends ConfigurableAuthModule {
  /**
   * Configures Portcullis from literal options. Every option has a default; the JWT secret comes from
   * `AUTH_JWT_SECRET` unless `jwt.secret` is given.
   *
   * @throws AuthConfigurationError when an option is invalid (at boot, listing every problem).
   */
  static override forRoot(options: typeof AUTH_OPTIONS_TYPE = {}): DynamicModule {
    return this.assemble(super.forRoot(options), options);
  }

  /**
   * Configures Portcullis from a factory (e.g. with `ConfigService`). Structural options (`userEntity`,
   * `strategies`, `routes`, `global`) sit beside `useFactory`, not in what it returns.
   *
   * @example
   * ```ts
   * AuthModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ jwt: { secret: config.getOrThrow('AUTH_JWT_SECRET') } }),
   *   userEntity: Account,
   *   routes: true,
   * })
   * ```
   */
  static override forRootAsync(options: typeof AUTH_ASYNC_OPTIONS_TYPE): DynamicModule {
    return this.assemble(super.forRootAsync(options), options);
  }

  private static assemble(base: DynamicModule, input: AuthModuleStructuralOptions): DynamicModule {
    const structural = resolveStructuralOptions(input);
    if (structural.resourceServer) return resourceServer(base, structural);
    const providers: Provider[] = [
      ...(base.providers ?? []),
      { provide: AUTH_STRUCTURAL_OPTIONS, useValue: structural },
      { provide: AUTH_USER_ENTITY, useValue: structural.userEntity },
      {
        provide: AUTH_USER_REPOSITORY,
        useFactory: (dataSource: DataSource) => userRepository(dataSource, structural),
        inject: [DataSource],
      },
      {
        provide: AUTH_RESOLVED_OPTIONS,
        useFactory: (options: AuthModuleOptions) => resolveAuthOptions(options, structural),
        inject: [AUTH_MODULE_OPTIONS],
      },
      { provide: Clock, useClass: SystemClock },
      AuthRedis,
      InvalidationBus,
      {
        provide: ThrottleStore,
        useFactory: (options: ResolvedAuthOptions, clock: Clock, redis: AuthRedis) =>
          options.throttle.store ??
          (redis.client ? new RedisThrottleStore(redis.client) : new MemoryThrottleStore(clock)),
        inject: [AUTH_RESOLVED_OPTIONS, Clock, AuthRedis],
      },
      AuthEvents,
      LoginThrottle,
      PasswordHasher,
      PasswordPolicy,
      UserService,
      UserCache,
      KeyRing,
      ExternalIssuers,
      TokenService,
      RevokedSessionRegistry,
      SessionService,
      AccountService,
      RegistrationService,
      PasswordBackend,
      JwtBackend,
      JwtStrategy,
      BasicStrategy,
      PasswordStrategy,
      BrowserSessionBackend,
      SessionCookies,
      SameOriginCheck,
      CookieStrategy,
      ApiKeyService,
      ApiKeyStrategy,
      PermissionService,
      PermissionsClaim,
      {
        provide: PermissionResolver,
        useClass: structural.permissionResolver ?? DefaultPermissionResolver,
      },
      PermissionsGuard,
      StaffGuard,
      UserPassesTestGuard,
      AccountManagementGuard,
      SuperuserGuard,
      StrategyRegistry,
      RequestAuthenticator,
      RequestShape,
      LoginRequiredGuard,
      AuthGuard,
      LoginCredentialsGuard,
    ];
    providers.push(...accountFlowProviders(structural));
    if (structural.global) providers.push({ provide: APP_GUARD, useExisting: LoginRequiredGuard });
    const mounted = controllers(structural);
    return {
      ...base,
      global: true,
      imports: [
        ...(base.imports ?? []),
        TypeOrmModule.forFeature([
          structural.userEntity,
          AuthSession,
          RefreshTokenRecord,
          ApiKey,
          AuthGroup,
          GroupPermission,
          UserPermission,
          UserGroup,
          OneTimeToken,
          VerifiedEmail,
        ]),
        ...(mounted.length ? [BodyErrorsModule.forControllers(mounted)] : []),
      ],
      controllers: mounted,
      providers,
      exports: [
        AUTH_USER_ENTITY,
        AUTH_USER_REPOSITORY,
        AUTH_RESOLVED_OPTIONS,
        Clock,
        AuthRedis,
        ThrottleStore,
        AuthEvents,
        LoginThrottle,
        PasswordHasher,
        PasswordPolicy,
        UserService,
        UserCache,
        KeyRing,
        TokenService,
        RevokedSessionRegistry,
        SessionService,
        AccountService,
        BrowserSessionBackend,
        SessionCookies,
        SameOriginCheck,
        ApiKeyService,
        PermissionService,
        PermissionResolver,
        PermissionsGuard,
        StaffGuard,
        UserPassesTestGuard,
        AccountManagementGuard,
        PasswordBackend,
        JwtBackend,
        StrategyRegistry,
        RequestAuthenticator,
        LoginRequiredGuard,
        AuthGuard,
        LoginCredentialsGuard,
        ...accountFlowExports(structural),
      ],
    };
  }
}

/** The mail, the one-time tokens and the services of the mail flows that are on. */
function accountFlowProviders(structural: ResolvedStructuralOptions): Provider[] {
  const flows = structural.accountFlows;
  if (!Object.values(flows).some(Boolean)) return [];
  return [
    {
      provide: Mailer,
      useFactory: (options: ResolvedAuthOptions) => createMailer(options.mail!),
      inject: [AUTH_RESOLVED_OPTIONS],
    },
    AccountMail,
    OneTimeTokens,
    VerifiedEmails,
    ...(flows.passwordReset ? [PasswordResetService] : []),
    ...(flows.emailVerification ? [EmailVerificationService] : []),
    ...(flows.emailChange ? [EmailChangeService] : []),
    ...(flows.magicLink ? [MagicLinkService] : []),
  ];
}

function accountFlowExports(structural: ResolvedStructuralOptions): Provider[] {
  return accountFlowProviders(structural).map((provider) =>
    typeof provider === 'function' ? provider : (provider as { provide: Type<unknown> }).provide,
  ) as Provider[];
}

/**
 * `mode: 'resource-server'`: only what verifies access tokens and checks permissions from their
 * claims. Nothing here reads a database, so the app needs no TypeORM connection.
 */
function resourceServer(base: DynamicModule, structural: ResolvedStructuralOptions): DynamicModule {
  const providers: Provider[] = [
    ...(base.providers ?? []),
    { provide: AUTH_STRUCTURAL_OPTIONS, useValue: structural },
    {
      provide: AUTH_RESOLVED_OPTIONS,
      useFactory: (options: AuthModuleOptions) => resolveAuthOptions(options, structural),
      inject: [AUTH_MODULE_OPTIONS],
    },
    AuthEvents,
    KeyRing,
    ExternalIssuers,
    TokenService,
    TokenUsers,
    JwtBackend,
    JwtStrategy,
    {
      provide: PermissionResolver,
      useClass: structural.permissionResolver ?? TokenClaimsPermissionResolver,
    },
    PermissionsGuard,
    StaffGuard,
    UserPassesTestGuard,
    SuperuserGuard,
    StrategyRegistry,
    RequestAuthenticator,
    RequestShape,
    LoginRequiredGuard,
    AuthGuard,
  ];
  if (structural.global) providers.push({ provide: APP_GUARD, useExisting: LoginRequiredGuard });
  return {
    ...base,
    global: true,
    controllers: [],
    providers,
    exports: [
      AUTH_RESOLVED_OPTIONS,
      AuthEvents,
      KeyRing,
      TokenService,
      JwtBackend,
      PermissionResolver,
      PermissionsGuard,
      StaffGuard,
      UserPassesTestGuard,
      StrategyRegistry,
      RequestAuthenticator,
      LoginRequiredGuard,
      AuthGuard,
    ],
  };
}

function controllers(structural: ResolvedStructuralOptions): Type<unknown>[] {
  if (structural.routesPrefix === null) return [];
  const mounted: Type<unknown>[] = [createAuthController(structural.routesPrefix), JwksController];
  if (structural.strategies.includes('api-key')) {
    mounted.push(createApiKeysController(structural.routesPrefix));
  }
  if (structural.strategies.includes('cookie')) {
    mounted.push(createBrowserSessionController(structural.routesPrefix));
  }
  if (structural.adminRoutes) mounted.push(createAdminController(structural.routesPrefix));
  mounted.push(
    ...createAccountFlowControllers(
      structural.routesPrefix,
      structural.accountFlows,
      structural.strategies.includes('cookie'),
    ),
  );
  // Each create*Controller() made a fresh subclass: an outage in a route's handler answers 503 there,
  // and any other failure a redacted 500, through the app's own exception filters (the guards map
  // theirs). The JWKS route reads no database.
  for (const controller of mounted) {
    if (controller !== JwksController) {
      UseInterceptors(RouteErrorInterceptor, ChallengeInterceptor)(controller);
    }
  }
  return mounted;
}

function userRepository(dataSource: DataSource, structural: ResolvedStructuralOptions) {
  if (!dataSource.hasMetadata(structural.userEntity)) {
    throw new AuthConfigurationError([
      `userEntity ${structural.userEntity.name} is not part of the TypeORM connection: enable autoLoadEntities or add it to the entities list.`,
    ]);
  }
  return dataSource.getRepository(structural.userEntity);
}
