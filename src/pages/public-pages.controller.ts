import { Body, Controller, Get, Header, Post, Query, Req, Res } from '@nestjs/common';
import {
  type AuthenticatedRequest,
  clientAddress,
  EmailChangeService,
  EmailVerificationService,
  MagicLinkService,
  PasswordResetService,
  Public,
  SameOriginCheck,
  type User,
} from 'portcullis';
import { alert, escapeHtml, field, hidden, notice, page } from './html.js';
import { formErrors, formField, type PageReply, seeOther, sendPage } from './page-reply.js';

/** The example sets no `trustProxy`: the client is the TCP peer. */
const TRUST_PROXY = 0;

const BAD_LINK = 'This link is wrong, used or expired.';

const SENT =
  'If an account has this address, a message is on its way to it. It can take a minute to arrive.';

/**
 * The pages an anonymous visitor uses: register, forgot and reset password, verify an address,
 * confirm a change of address, and sign in by magic link. Each link from a message opens a page
 * with a button, so a mail scanner that follows links uses up no token.
 */
@Public()
@Controller()
export class PublicPagesController {
  constructor(
    private readonly passwordReset: PasswordResetService<User>,
    private readonly emailVerification: EmailVerificationService<User>,
    private readonly emailChange: EmailChangeService<User>,
    private readonly magicLink: MagicLinkService<User>,
    private readonly sameOrigin: SameOriginCheck,
  ) {}

  /** The registration form; its script posts it to `POST /auth/register` as JSON. */
  @Get('register')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  register(): string {
    const errorSlot = (name: string) => `<small id="${name}-error" class="error" hidden></small>`;
    return page(
      'Register',
      `<h1>Create an account</h1>
<p role="alert" id="register-alert" class="error" hidden></p>
<form id="register" method="post" action="/auth/register" novalidate>
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" required aria-describedby="username-error">
  ${errorSlot('username')}
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="email" required aria-describedby="email-error">
  ${errorSlot('email')}
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="new-password" required aria-describedby="password-hint password-error">
  <small id="password-hint">At least 8 characters; not a common password.</small>
  ${errorSlot('password')}
  <button type="submit">Create account</button>
</form>
<p>Have an account? <a href="/login">Log in</a>.</p>
<script src="/assets/register.js" defer></script>`,
    );
  }

  @Get('forgot-password')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  forgotPassword(): string {
    return forgotPage({});
  }

  @Post('forgot-password')
  async requestReset(
    @Req() request: AuthenticatedRequest,
    @Body() body: unknown,
    @Res() reply: PageReply,
  ): Promise<void> {
    this.sameOrigin.assertSameOrigin(request);
    const email = formField(body, 'email');
    try {
      await this.passwordReset.request(email, clientAddress(request, TRUST_PROXY));
      sendPage(reply, 202, forgotPage({ sent: true }));
    } catch (error) {
      const refused = formErrors(error, {});
      sendPage(
        reply,
        refused.status,
        forgotPage({ email, error: refused.fields.email, page: refused.page }),
      );
    }
  }

  @Get('reset-password')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  resetPassword(@Query('token') token?: string): string {
    return resetPage({ token: typeof token === 'string' ? token : '' });
  }

  @Post('reset-password')
  async reset(
    @Req() request: AuthenticatedRequest,
    @Body() body: unknown,
    @Res() reply: PageReply,
  ): Promise<void> {
    this.sameOrigin.assertSameOrigin(request);
    const token = formField(body, 'token');
    try {
      await this.passwordReset.reset(
        token,
        formField(body, 'new_password'),
        clientAddress(request, TRUST_PROXY),
      );
      seeOther(reply, '/login?done=reset');
    } catch (error) {
      const refused = formErrors(error, { invalid_token: { message: BAD_LINK } });
      sendPage(
        reply,
        refused.status,
        resetPage({ token, error: refused.fields.new_password, page: refused.page }),
      );
    }
  }

  @Get('verify-email')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  verifyEmail(@Query('token') token?: string): string {
    return confirmPage(VERIFY, { token: typeof token === 'string' ? token : '' });
  }

  @Post('verify-email')
  async verify(
    @Req() request: AuthenticatedRequest,
    @Body() body: unknown,
    @Res() reply: PageReply,
  ): Promise<void> {
    this.sameOrigin.assertSameOrigin(request);
    const token = formField(body, 'token');
    try {
      await this.emailVerification.verify(token, clientAddress(request, TRUST_PROXY));
      sendPage(reply, 200, confirmPage(VERIFY, { token, done: true }));
    } catch (error) {
      const refused = formErrors(error, { invalid_token: { message: BAD_LINK } });
      sendPage(reply, refused.status, confirmPage(VERIFY, { token, error: refused.page }));
    }
  }

  @Get('confirm-email')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  confirmEmail(@Query('token') token?: string): string {
    return confirmPage(CONFIRM_CHANGE, { token: typeof token === 'string' ? token : '' });
  }

  @Post('confirm-email')
  async confirm(
    @Req() request: AuthenticatedRequest,
    @Body() body: unknown,
    @Res() reply: PageReply,
  ): Promise<void> {
    this.sameOrigin.assertSameOrigin(request);
    const token = formField(body, 'token');
    try {
      await this.emailChange.confirm(token, clientAddress(request, TRUST_PROXY));
      sendPage(reply, 200, confirmPage(CONFIRM_CHANGE, { token, done: true }));
    } catch (error) {
      const refused = formErrors(error, {
        invalid_token: { message: BAD_LINK },
        email_taken: { message: 'Another account took this address meanwhile.' },
      });
      sendPage(reply, refused.status, confirmPage(CONFIRM_CHANGE, { token, error: refused.page }));
    }
  }

  /** Without a token, the request form; with one (the link of the message), a sign-in button. */
  @Get('magic-link')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  magicLinkPage(@Query('token') token?: string): string {
    return typeof token === 'string' && token.length > 0
      ? magicSignInPage(token)
      : magicRequestPage({});
  }

  @Post('magic-link')
  async requestMagicLink(
    @Req() request: AuthenticatedRequest,
    @Body() body: unknown,
    @Res() reply: PageReply,
  ): Promise<void> {
    this.sameOrigin.assertSameOrigin(request);
    const email = formField(body, 'email');
    try {
      await this.magicLink.request(email, clientAddress(request, TRUST_PROXY));
      sendPage(reply, 202, magicCodePage(email));
    } catch (error) {
      const refused = formErrors(error, {});
      sendPage(
        reply,
        refused.status,
        magicRequestPage({ email, error: refused.fields.email, page: refused.page }),
      );
    }
  }
}

function forgotPage(state: {
  email?: string;
  error?: string;
  page?: string;
  sent?: boolean;
}): string {
  return page(
    'Forgot password',
    `<h1>Forgot your password?</h1>
${alert(state.page)}${notice(state.sent ? SENT : undefined)}
<p>Enter the address of your account: we send a link to choose a new password. It works once, for 30 minutes.</p>
<form method="post" action="/forgot-password">
  ${field({ name: 'email', label: 'Email', type: 'email', autocomplete: 'email', value: state.email, error: state.error })}
  <button type="submit">Send the link</button>
</form>
<p><a href="/login">Back to log in</a></p>`,
  );
}

function resetPage(state: { token: string; error?: string; page?: string }): string {
  if (!state.token) {
    return page(
      'Reset password',
      `<h1>Choose a new password</h1>
${alert('This page needs the link from the message.')}
<p><a href="/forgot-password">Ask for a new link</a></p>`,
    );
  }
  return page(
    'Reset password',
    `<h1>Choose a new password</h1>
${alert(state.page)}
${state.page ? '<p><a href="/forgot-password">Ask for a new link</a></p>' : ''}
<form method="post" action="/reset-password">
  ${hidden('token', state.token)}
  ${field({ name: 'new_password', label: 'New password', type: 'password', autocomplete: 'new-password', error: state.error, hint: 'At least 8 characters; every session ends when it is set.' })}
  <button type="submit">Set the password</button>
</form>`,
  );
}

interface ConfirmFlow {
  title: string;
  action: string;
  explain: string;
  button: string;
  done: string;
}

const VERIFY: ConfirmFlow = {
  title: 'Verify your address',
  action: '/verify-email',
  explain: 'Confirm that this address is yours.',
  button: 'Verify my address',
  done: 'Your address is verified.',
};

const CONFIRM_CHANGE: ConfirmFlow = {
  title: 'Confirm your new address',
  action: '/confirm-email',
  explain: 'Confirm that your account should use this new address from now on.',
  button: 'Use this address',
  done: 'Your account now uses its new address, verified.',
};

function confirmPage(
  flow: ConfirmFlow,
  state: { token: string; error?: string; done?: boolean },
): string {
  if (state.done) {
    return page(
      flow.title,
      `<h1>${escapeHtml(flow.title)}</h1>
${notice(flow.done)}
<p><a href="/account">Go to your account</a></p>`,
    );
  }
  if (!state.token || state.error) {
    return page(
      flow.title,
      `<h1>${escapeHtml(flow.title)}</h1>
${alert(state.error ?? 'This page needs the link from the message.')}
<p>Ask for a new link from <a href="/account">your account page</a>.</p>`,
    );
  }
  return page(
    flow.title,
    `<h1>${escapeHtml(flow.title)}</h1>
<p>${escapeHtml(flow.explain)}</p>
<form method="post" action="${flow.action}">
  ${hidden('token', state.token)}
  <button type="submit">${escapeHtml(flow.button)}</button>
</form>`,
  );
}

function magicRequestPage(state: { email?: string; error?: string; page?: string }): string {
  return page(
    'Sign in by email',
    `<h1>Sign in by email</h1>
${alert(state.page)}
<p>We send a link and a code to the address of your account; either signs you in once, for 15 minutes.</p>
<form method="post" action="/magic-link">
  ${field({ name: 'email', label: 'Email', type: 'email', autocomplete: 'email', value: state.email, error: state.error })}
  <button type="submit">Email me a sign-in link</button>
</form>
<h2>Have a code?</h2>
<form method="post" action="/auth/browser/magic-link">
  ${field({ name: 'email', label: 'Address the code was sent to', type: 'email', autocomplete: 'email', form: 'code' })}
  ${field({ name: 'code', label: 'Code from the message', autocomplete: 'one-time-code', form: 'code', extra: 'inputmode="numeric"' })}
  ${hidden('next', '/account')}
  <button type="submit">Sign in with the code</button>
</form>
<p><a href="/login">Log in with a password</a></p>`,
  );
}

/** After a request: the code form, for a reader who opens the message on another device. */
function magicCodePage(email: string): string {
  return page(
    'Sign in by email',
    `<h1>Check your inbox</h1>
${notice(SENT)}
<p>Open the link in the message, or type its code here.</p>
<form method="post" action="/auth/browser/magic-link">
  ${hidden('email', email)}
  ${hidden('next', '/account')}
  ${field({ name: 'code', label: 'Code from the message', autocomplete: 'one-time-code', extra: 'inputmode="numeric"' })}
  <button type="submit">Sign in</button>
</form>
<p><a href="/magic-link">Use another address</a></p>`,
  );
}

function magicSignInPage(token: string): string {
  return page(
    'Sign in by email',
    `<h1>Sign in</h1>
<p>This link signs you in once.</p>
<form method="post" action="/auth/browser/magic-link">
  ${hidden('token', token)}
  ${hidden('next', '/account')}
  <button type="submit">Sign in</button>
</form>`,
  );
}
