import { COOKIE_STRATEGY, JWT_STRATEGY } from '../auth.constants.js';
import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Inject,
  Injectable,
  Param,
  Post,
  Optional,
  Req,
  Type,
  UseGuards,
} from '@nestjs/common';
import { authInfoOf } from '../strategies/auth-info.js';
import { CurrentUser } from '../decorators/current-user.decorator.js';
import { Public } from '../decorators/public.decorator.js';
import { LoginCredentialsGuard } from '../guards/login-credentials.guard.js';
import { LoginRequiredGuard } from '../guards/login-required.guard.js';
import { AccountManagementGuard } from '../guards/account-management.guard.js';
import type { AuthSession } from '../sessions/auth-session.entity.js';
import { SessionService } from '../sessions/session.service.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import type { TokenResponse } from '../tokens/token.service.js';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedThrottleOptions } from '../options/throttle-options.resolver.js';
import { AccountService } from '../users/account.service.js';
import { RegistrationService } from '../users/registration.service.js';
import { UserService } from '../users/user.service.js';
import { startLoginSession } from './login-session.js';
import { ResourceNotFoundException } from '../errors/auth.exception.js';
import { EmailVerificationService } from '../account-flows/email-verification.service.js';
import { clientAddress } from '../http-request/client-address.js';
import { requireStringFields } from './required-string-fields.js';

/** A session as `GET /auth/sessions` shows it. */
export interface SessionView {
  id: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  userAgent: string | null;
  ip: string | null;
  /** True for the session of the token making the request. */
  current: boolean;
}

/** The session making the request: an access token's, or a browser's cookie session. */
function currentSessionId(request: AuthRequest): string | undefined {
  const info = authInfoOf(request);
  return info?.strategy === JWT_STRATEGY || info?.strategy === COOKIE_STRATEGY
    ? info.sessionId
    : undefined;
}

/**
 * The opt-in auth routes, mounted by `AuthModule` under the `routes` prefix (default `auth`) through
 * {@link createAuthController}: register, login, refresh, logout, me, sessions and change-password.
 */
@Injectable()
export class AuthController {
  constructor(
    protected readonly users: UserService<object>,
    protected readonly sessions: SessionService,
    protected readonly accounts: AccountService<object>,
    protected readonly registration: RegistrationService<object>,
    @Inject(AUTH_RESOLVED_OPTIONS)
    protected readonly options: Pick<ResolvedThrottleOptions, 'trustProxy'>,
    @Optional() protected readonly emailVerification?: EmailVerificationService<object>,
  ) {}

  /**
   * `POST register {<usernameField>, password, email?, ...registration.fields}`: 201 with the new
   * user, 409 when taken. With `requireVerifiedEmail`, `email` is required. A malformed body, or one the `registration.validate` hook refuses, is a 400
   * `validation_failed` listing every field at fault; only a well-formed one is held to the password
   * rules, a 400 `invalid_password` listing every rule that failed.
   */
  @Public()
  @Post('register')
  @HttpCode(201)
  async register(
    @Body() body: unknown,
    @Req() request: AuthRequest,
  ): Promise<Record<string, unknown>> {
    const address = clientAddress(request, this.options.trustProxy);
    const user = await this.registration.register(body, address);
    // With emailVerification, the link goes out after the answer.
    this.emailVerification?.sendLater(user, address);
    return this.users.toPublic(user);
  }

  /**
   * `POST login`: 200 with an OAuth 2.0 token response (access and refresh token) for a new session.
   * Credentials in a JSON or form body, or in an `Authorization: Basic` header.
   */
  @Public()
  @Post('login')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @UseGuards(LoginCredentialsGuard)
  async login(@CurrentUser() user: object, @Req() request: AuthRequest): Promise<TokenResponse> {
    return tokenResponse(
      await startLoginSession(this.users, this.sessions, user, request, this.options.trustProxy),
    );
  }

  /** `POST refresh {refresh_token}`: a new pair for the same session; the old refresh token is used up. */
  @Public()
  @Post('refresh')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async refresh(@Body() body: unknown): Promise<TokenResponse> {
    const { refresh_token: refreshToken } = requireStringFields(body, ['refresh_token']);
    return tokenResponse(await this.sessions.refresh(refreshToken));
  }

  /**
   * `POST logout`: ends the session of the access token; it and its refresh token stop working. An API
   * key has no session to end: 403, like every account route.
   */
  @Post('logout')
  @HttpCode(204)
  @UseGuards(AccountManagementGuard)
  async logout(@Req() request: AuthRequest): Promise<void> {
    const sessionId = currentSessionId(request);
    if (sessionId) await this.sessions.end(sessionId, 'logout');
  }

  /** `GET me`: the current user, without its password hash. */
  @Get('me')
  @UseGuards(LoginRequiredGuard)
  me(@CurrentUser() user: object): Record<string, unknown> {
    return this.users.toPublic(user);
  }

  /** `GET sessions`: the current user's live sessions. */
  @Get('sessions')
  @UseGuards(AccountManagementGuard)
  async listSessions(
    @CurrentUser() user: object,
    @Req() request: AuthRequest,
  ): Promise<SessionView[]> {
    const current = currentSessionId(request);
    const sessions = await this.sessions.listActive(this.users.idOf(user));
    return sessions.map((session) => sessionView(session, current));
  }

  /** `DELETE sessions/:id`: ends one of the current user's sessions (404 for anyone else's). */
  @Delete('sessions/:id')
  @HttpCode(204)
  @UseGuards(AccountManagementGuard)
  async endSession(@CurrentUser() user: object, @Param('id') id: string): Promise<void> {
    const session = await this.sessions.findForUser(this.users.idOf(user), id);
    if (!session || session.revokedAt) throw new ResourceNotFoundException('No such session.');
    await this.sessions.end(session.id, 'revoked');
  }

  /**
   * `POST change-password {current_password, new_password}`: 204; ends every other session. A wrong
   * current password is a 401 and changes nothing; it spends the login budgets of the user's handle
   * and the client address, so past them the answer is 429 `too_many_attempts` with `Retry-After`.
   * Once the current password is right, a new one that breaks the password rules is a 400
   * `invalid_password`, and changes nothing either.
   */
  @Post('change-password')
  @HttpCode(204)
  @UseGuards(AccountManagementGuard)
  async changePassword(
    @CurrentUser() user: object,
    @Req() request: AuthRequest,
    @Body() body: unknown,
  ): Promise<void> {
    const fields = requireStringFields(body, ['current_password', 'new_password']);
    await this.accounts.changePassword(
      user,
      fields.current_password,
      fields.new_password,
      currentSessionId(request),
      clientAddress(request, this.options.trustProxy),
    );
  }
}

function tokenResponse(issued: TokenResponse & { refresh_token: string }): TokenResponse {
  return {
    access_token: issued.access_token,
    token_type: issued.token_type,
    expires_in: issued.expires_in,
    refresh_token: issued.refresh_token,
  };
}

function sessionView(session: AuthSession, current: string | undefined): SessionView {
  return {
    id: session.id,
    createdAt: session.createdAt,
    lastUsedAt: session.lastUsedAt,
    expiresAt: session.expiresAt,
    userAgent: session.userAgent,
    ip: session.ip,
    current: session.id === current,
  };
}

/** A subclass of {@link AuthController} mounted at `prefix`, so each module instance has its own path. */
export function createAuthController(prefix: string): Type<AuthController> {
  class MountedAuthController extends AuthController {}
  Controller(prefix)(MountedAuthController);
  return MountedAuthController;
}
