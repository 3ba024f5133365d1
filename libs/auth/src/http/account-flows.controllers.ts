import {
  Body,
  Controller,
  Header,
  HttpCode,
  Inject,
  Injectable,
  Post,
  Redirect,
  Req,
  Res,
  Type,
  UseGuards,
} from '@nestjs/common';
import { EmailChangeService } from '../account-flows/email-change.service.js';
import { EmailVerificationService } from '../account-flows/email-verification.service.js';
import { MagicLinkService } from '../account-flows/magic-link.service.js';
import { PasswordResetService } from '../account-flows/password-reset.service.js';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import { bodyFields } from '../common/body-fields.js';
import { CurrentUser } from '../decorators/current-user.decorator.js';
import { Public } from '../decorators/public.decorator.js';
import { AuthException, ValidationFailedException } from '../errors/auth.exception.js';
import { AccountManagementGuard } from '../guards/account-management.guard.js';
import { safeRedirectPath } from '../guards/safe-redirect-path.js';
import type { AuthRequest } from '../http-request/auth-request.js';
import { clientAddress } from '../http-request/client-address.js';
import { SameOriginCheck } from '../http-request/same-origin-check.js';
import { SessionCookies } from '../http-request/session-cookies.js';
import type { ResolvedBrowserOptions } from '../options/browser-options.resolver.js';
import type { ResolvedThrottleOptions } from '../options/throttle-options.resolver.js';
import { SessionService } from '../sessions/session.service.js';
import type { TokenResponse } from '../tokens/token.service.js';
import { UserService } from '../users/user.service.js';
import { unreadableBodyException } from './body-errors.module.js';
import { startLoginSession } from './login-session.js';
import { requireStringFields } from './required-string-fields.js';

/** The body of every 202 of a request that may send mail: the same whether or not anyone exists. */
export interface MailAcceptedBody {
  message: string;
}

const MAY_SEND: MailAcceptedBody = Object.freeze({
  message: 'If an account has this address, a message is on its way to it.',
});
const SENDING: MailAcceptedBody = Object.freeze({ message: 'A message is on its way.' });

type AddressOptions = Pick<ResolvedThrottleOptions, 'trustProxy'>;

/**
 * `POST <prefix>/password/forgot` and `POST <prefix>/password/reset`, mounted with
 * `passwordReset: true`.
 */
@Injectable()
export class PasswordResetController {
  constructor(
    protected readonly passwordReset: PasswordResetService<object>,
    @Inject(AUTH_RESOLVED_OPTIONS) protected readonly options: AddressOptions,
  ) {}

  /**
   * `POST password/forgot {email}`: 202 with one body whether or not the address has an account; the
   * reset link is mailed after the answer. 429 past `throttle.mailPerAddress` or `mailPerEmail`.
   */
  @Public()
  @Post('password/forgot')
  @HttpCode(202)
  @Header('Cache-Control', 'no-store')
  async forgot(@Body() body: unknown, @Req() request: AuthRequest): Promise<MailAcceptedBody> {
    await this.passwordReset.request(
      bodyFields(body).email,
      clientAddress(request, this.options.trustProxy),
    );
    return MAY_SEND;
  }

  /**
   * `POST password/reset {token, new_password}`: 204; the password is set and every session ends. 400
   * `invalid_token` for an unknown, used or expired token, 400 `invalid_password` for a password the
   * rules refuse (the link still works then).
   */
  @Public()
  @Post('password/reset')
  @HttpCode(204)
  async reset(@Body() body: unknown, @Req() request: AuthRequest): Promise<void> {
    const fields = requireStringFields(body, ['token', 'new_password']);
    await this.passwordReset.reset(
      fields.token,
      fields.new_password,
      clientAddress(request, this.options.trustProxy),
    );
  }
}

/**
 * `POST <prefix>/email/verify` and `POST <prefix>/email/verify/resend`, mounted with
 * `emailVerification: true`.
 */
@Injectable()
export class EmailVerificationController {
  constructor(
    protected readonly emailVerification: EmailVerificationService<object>,
    @Inject(AUTH_RESOLVED_OPTIONS) protected readonly options: AddressOptions,
  ) {}

  /** `POST email/verify {token}`: 204, the address is verified; 400 `invalid_token` otherwise. */
  @Public()
  @Post('email/verify')
  @HttpCode(204)
  async verify(@Body() body: unknown, @Req() request: AuthRequest): Promise<void> {
    const { token } = requireStringFields(body, ['token']);
    await this.emailVerification.verify(token, clientAddress(request, this.options.trustProxy));
  }

  /** `POST email/verify/resend` (signed in): 202; a new link is mailed unless already verified. */
  @Post('email/verify/resend')
  @HttpCode(202)
  @UseGuards(AccountManagementGuard)
  async resend(
    @CurrentUser() user: object,
    @Req() request: AuthRequest,
  ): Promise<MailAcceptedBody> {
    await this.emailVerification.resend(user, clientAddress(request, this.options.trustProxy));
    return SENDING;
  }
}

/**
 * `POST <prefix>/email/change` and `POST <prefix>/email/change/confirm`, mounted with
 * `emailChange: true`.
 */
@Injectable()
export class EmailChangeController {
  constructor(
    protected readonly emailChange: EmailChangeService<object>,
    @Inject(AUTH_RESOLVED_OPTIONS) protected readonly options: AddressOptions,
  ) {}

  /**
   * `POST email/change {new_email, password}` (signed in, not with an API key): 202 once the password
   * is right; the new address gets a confirmation link (or, when it is taken, a message saying so),
   * the old one a notice. 401 for a wrong password, 429 past the login or mail budgets.
   */
  @Post('email/change')
  @HttpCode(202)
  @UseGuards(AccountManagementGuard)
  async change(
    @CurrentUser() user: object,
    @Body() body: unknown,
    @Req() request: AuthRequest,
  ): Promise<MailAcceptedBody> {
    const { password } = requireStringFields(body, ['password']);
    await this.emailChange.request(
      user,
      bodyFields(body).new_email,
      password,
      clientAddress(request, this.options.trustProxy),
    );
    return SENDING;
  }

  /** `POST email/change/confirm {token}`: 204, the address is changed and verified. */
  @Public()
  @Post('email/change/confirm')
  @HttpCode(204)
  async confirm(@Body() body: unknown, @Req() request: AuthRequest): Promise<void> {
    const { token } = requireStringFields(body, ['token']);
    await this.emailChange.confirm(token, clientAddress(request, this.options.trustProxy));
  }
}

/** The sign-in credential of a magic-link body: `{token}` or `{email, code}`. */
function magicCredential(body: unknown): { token: string } | { email: unknown; code: string } {
  const fields = bodyFields(body);
  if (typeof fields.token === 'string' && fields.token.length > 0) return { token: fields.token };
  if (typeof fields.code === 'string' && fields.code.length > 0) {
    return { email: fields.email, code: fields.code };
  }
  throw new ValidationFailedException([
    { field: 'body', message: 'Send {token} from the link, or {email, code} from the message.' },
  ]);
}

/**
 * `POST <prefix>/magic-link` and `POST <prefix>/magic-link/verify`, mounted with `magicLink: true`.
 */
@Injectable()
export class MagicLinkController {
  constructor(
    protected readonly magicLink: MagicLinkService<object>,
    protected readonly users: UserService<object>,
    protected readonly sessions: SessionService,
    @Inject(AUTH_RESOLVED_OPTIONS) protected readonly options: AddressOptions,
  ) {}

  /** `POST magic-link {email}`: 202 with one body whether or not the address has an account. */
  @Public()
  @Post('magic-link')
  @HttpCode(202)
  @Header('Cache-Control', 'no-store')
  async request(@Body() body: unknown, @Req() request: AuthRequest): Promise<MailAcceptedBody> {
    await this.magicLink.request(
      bodyFields(body).email,
      clientAddress(request, this.options.trustProxy),
    );
    return MAY_SEND;
  }

  /**
   * `POST magic-link/verify {token}` or `{email, code}`: 200 with a token pair for a new session, like
   * `POST login`; 400 `invalid_token` for a wrong, used or expired token or code.
   */
  @Public()
  @Post('magic-link/verify')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async verify(@Body() body: unknown, @Req() request: AuthRequest): Promise<TokenResponse> {
    const user = await this.magicLink.signIn(
      magicCredential(body),
      clientAddress(request, this.options.trustProxy),
    );
    const issued = await startLoginSession(
      this.users,
      this.sessions,
      user,
      request,
      this.options.trustProxy,
    );
    return {
      access_token: issued.access_token,
      token_type: issued.token_type,
      expires_in: issued.expires_in,
      refresh_token: issued.refresh_token,
    };
  }
}

/**
 * `POST <prefix>/browser/magic-link {token | email, code, next?}`: a sign-in page's form target,
 * mounted with `magicLink: true` and the `cookie` strategy. Starts a cookie session and redirects
 * (303) to a safe `next`, or back to `loginUrl` with `?error=`. Refuses cross-site posts.
 */
@Injectable()
export class BrowserMagicLinkController {
  constructor(
    protected readonly magicLink: MagicLinkService<object>,
    protected readonly users: UserService<object>,
    protected readonly sessions: SessionService,
    protected readonly cookies: SessionCookies,
    protected readonly sameOrigin: SameOriginCheck,
    @Inject(AUTH_RESOLVED_OPTIONS)
    protected readonly options: AddressOptions & Pick<ResolvedBrowserOptions, 'loginUrl'>,
  ) {}

  /** Signs in from the form and sets the session cookies. */
  @Public()
  @Post('browser/magic-link')
  @Redirect(undefined, 303)
  async signIn(
    @Req() request: AuthRequest,
    @Res({ passthrough: true }) response: unknown,
    @Body() body: unknown,
  ): Promise<{ url: string }> {
    this.sameOrigin.assertSameOrigin(request);
    if (Object.keys(bodyFields(body)).length === 0) throw unreadableBodyException();
    const next = safeRedirectPath(bodyFields(body).next);
    try {
      const user = await this.magicLink.signIn(
        magicCredential(body),
        clientAddress(request, this.options.trustProxy),
      );
      const issued = await startLoginSession(
        this.users,
        this.sessions,
        user,
        request,
        this.options.trustProxy,
      );
      this.cookies.write(response, issued);
      return { url: next ?? '/' };
    } catch (error) {
      // Outages and bugs answer as on every route; a refused link goes back to the login page.
      if (!(error instanceof AuthException) || error.getStatus() >= 500) throw error;
      const query = new URLSearchParams({ error: error.code, ...(next ? { next } : {}) });
      return { url: `${this.options.loginUrl}?${query.toString()}` };
    }
  }
}

/** Each mounted controller is a fresh subclass at `prefix`, so each module instance has its own path. */
function mountedAt<T>(base: Type<T>, prefix: string): Type<T> {
  const mounted = class extends (base as Type<object>) {} as Type<T>;
  Object.defineProperty(mounted, 'name', { value: `Mounted${base.name}` });
  Controller(prefix)(mounted);
  return mounted;
}

/** The controllers of the mail flows that are on, mounted at `prefix`. Internal. */
export function createAccountFlowControllers(
  prefix: string,
  flows: {
    passwordReset: boolean;
    emailVerification: boolean;
    emailChange: boolean;
    magicLink: boolean;
  },
  cookies: boolean,
): Type<unknown>[] {
  const mounted: Type<unknown>[] = [];
  if (flows.passwordReset) mounted.push(mountedAt(PasswordResetController, prefix));
  if (flows.emailVerification) mounted.push(mountedAt(EmailVerificationController, prefix));
  if (flows.emailChange) mounted.push(mountedAt(EmailChangeController, prefix));
  if (flows.magicLink) mounted.push(mountedAt(MagicLinkController, prefix));
  if (flows.magicLink && cookies) mounted.push(mountedAt(BrowserMagicLinkController, prefix));
  return mounted;
}
