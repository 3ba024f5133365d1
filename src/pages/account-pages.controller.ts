import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  AccountService,
  type ApiKey,
  ApiKeyService,
  type AuthenticatedRequest,
  type AuthSession,
  clientAddress,
  CurrentUser,
  EmailChangeService,
  EmailVerificationService,
  LoginRequired,
  SameOriginCheck,
  SessionService,
  type User,
  UserService,
} from 'portcullis';
import { alert, escapeHtml, field, notice, page } from './html.js';
import {
  type FormErrors,
  formErrors,
  formField,
  type PageReply,
  seeOther,
  sendPage,
} from './page-reply.js';

/** The example sets no `trustProxy`: the client is the TCP peer. */
const TRUST_PROXY = 0;

/** What `?done=` says after a form of the account page went through. */
const DONE: Record<string, string> = {
  session_ended: 'The session is ended: its tokens stop working at once.',
  others_ended: 'Every other session is ended.',
  key_revoked: 'The API key is revoked.',
  password_changed: 'Your password is changed; your other sessions are ended.',
  email_change_sent:
    'A confirmation link is on its way to the new address; your address changes once you follow it.',
  verification_sent: 'A new verification link is on its way.',
};

/** What a refused form of the account page shows, and where. */
interface AccountState {
  notice?: string;
  pageError?: string;
  createdKey?: { key: string; label: string };
  keyForm?: { label: string; error?: string; page?: string };
  passwordForm?: FormErrors;
  emailForm?: FormErrors & { newEmail: string };
  status?: number;
}

function currentSessionId(request: AuthenticatedRequest): string | undefined {
  const info = request.authInfo;
  return info.strategy === 'cookie' || info.strategy === 'jwt' ? info.sessionId : undefined;
}

// eslint-disable-next-line no-control-regex -- refusing control characters in a label is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * The signed-in account page: the address and whether it is verified, the live sessions (end one,
 * end the others), the API keys (create, shown once; revoke), and forms to change the password and
 * the address. Each form posts here and lands back on the page; every post must come from this site.
 */
@LoginRequired({ redirectTo: '/login' })
@Controller('account')
export class AccountPagesController {
  constructor(
    private readonly users: UserService<User>,
    private readonly accounts: AccountService<User>,
    private readonly sessions: SessionService,
    private readonly apiKeys: ApiKeyService<User>,
    private readonly emailVerification: EmailVerificationService<User>,
    private readonly emailChange: EmailChangeService<User>,
    private readonly sameOrigin: SameOriginCheck,
  ) {}

  @Get()
  async show(
    @CurrentUser() user: User,
    @Req() request: AuthenticatedRequest,
    @Query('done') done: string | undefined,
    @Res() reply: PageReply,
  ): Promise<void> {
    const message = typeof done === 'string' ? DONE[done] : undefined;
    await this.render(reply, user, request, { notice: message });
  }

  @Post('sessions/:id/end')
  async endSession(
    @CurrentUser() user: User,
    @Req() request: AuthenticatedRequest,
    @Param('id') id: string,
    @Res() reply: PageReply,
  ): Promise<void> {
    this.sameOrigin.assertSameOrigin(request);
    // Another user's session is not found, as on `DELETE /auth/sessions/:id`.
    const session = await this.sessions.findForUser(this.users.idOf(user), id);
    if (!session || session.revokedAt) return seeOther(reply, '/account');
    await this.sessions.end(session.id, 'revoked');
    if (session.id === currentSessionId(request)) return seeOther(reply, '/login');
    seeOther(reply, '/account?done=session_ended');
  }

  @Post('sessions/end-others')
  async endOtherSessions(
    @CurrentUser() user: User,
    @Req() request: AuthenticatedRequest,
    @Res() reply: PageReply,
  ): Promise<void> {
    this.sameOrigin.assertSameOrigin(request);
    await this.sessions.endAllForUser(this.users.idOf(user), 'revoked', currentSessionId(request));
    seeOther(reply, '/account?done=others_ended');
  }

  @Post('api-keys')
  async createKey(
    @CurrentUser() user: User,
    @Req() request: AuthenticatedRequest,
    @Body() body: unknown,
    @Res() reply: PageReply,
  ): Promise<void> {
    this.sameOrigin.assertSameOrigin(request);
    const label = formField(body, 'label').trim();
    if (label.length === 0 || label.length > 100 || CONTROL_CHARACTERS.test(label)) {
      return this.render(reply, user, request, {
        keyForm: { label, error: 'Give the key a label of 1 to 100 characters.' },
        status: 400,
      });
    }
    const { key } = await this.apiKeys.createKey(this.users.idOf(user), { label });
    // The key is in this answer only: it is stored as a digest and never shown again.
    await this.render(reply, user, request, { createdKey: { key, label }, status: 201 });
  }

  @Post('api-keys/:id/revoke')
  async revokeKey(
    @CurrentUser() user: User,
    @Req() request: AuthenticatedRequest,
    @Param('id') id: string,
    @Res() reply: PageReply,
  ): Promise<void> {
    this.sameOrigin.assertSameOrigin(request);
    const revoked = await this.apiKeys.revokeKey(this.users.idOf(user), id);
    seeOther(reply, revoked ? '/account?done=key_revoked' : '/account');
  }

  @Post('password')
  async changePassword(
    @CurrentUser() user: User,
    @Req() request: AuthenticatedRequest,
    @Body() body: unknown,
    @Res() reply: PageReply,
  ): Promise<void> {
    this.sameOrigin.assertSameOrigin(request);
    try {
      // The session of this browser stays; every other one ends.
      await this.accounts.changePassword(
        user,
        formField(body, 'current_password'),
        formField(body, 'new_password'),
        currentSessionId(request),
        clientAddress(request, TRUST_PROXY),
      );
      seeOther(reply, '/account?done=password_changed');
    } catch (error) {
      const refused = formErrors(error, {
        invalid_credentials: { field: 'current_password', message: 'This is not your password.' },
      });
      await this.render(reply, user, request, { passwordForm: refused, status: refused.status });
    }
  }

  @Post('email')
  async changeEmail(
    @CurrentUser() user: User,
    @Req() request: AuthenticatedRequest,
    @Body() body: unknown,
    @Res() reply: PageReply,
  ): Promise<void> {
    this.sameOrigin.assertSameOrigin(request);
    const newEmail = formField(body, 'new_email');
    try {
      await this.emailChange.request(
        user,
        newEmail,
        formField(body, 'password'),
        clientAddress(request, TRUST_PROXY),
      );
      seeOther(reply, '/account?done=email_change_sent');
    } catch (error) {
      const refused = formErrors(error, {
        invalid_credentials: { field: 'password', message: 'This is not your password.' },
      });
      await this.render(reply, user, request, {
        emailForm: { ...refused, newEmail },
        status: refused.status,
      });
    }
  }

  @Post('email/resend')
  async resendVerification(
    @CurrentUser() user: User,
    @Req() request: AuthenticatedRequest,
    @Res() reply: PageReply,
  ): Promise<void> {
    this.sameOrigin.assertSameOrigin(request);
    try {
      await this.emailVerification.resend(user, clientAddress(request, TRUST_PROXY));
      seeOther(reply, '/account?done=verification_sent');
    } catch (error) {
      const refused = formErrors(error, {});
      await this.render(reply, user, request, {
        pageError: refused.page ?? Object.values(refused.fields).join(' '),
        status: refused.status,
      });
    }
  }

  private async render(
    reply: PageReply,
    user: User,
    request: AuthenticatedRequest,
    state: AccountState,
  ): Promise<void> {
    const userId = this.users.idOf(user);
    const [sessions, keys, verified] = await Promise.all([
      this.sessions.listActive(userId),
      this.apiKeys.listKeys(userId),
      user.email ? this.emailVerification.isVerified(user) : Promise.resolve(false),
    ]);
    const current = currentSessionId(request);
    sendPage(
      reply,
      state.status ?? 200,
      page(
        'Account',
        `<h1>Your account</h1>
${alert(state.pageError)}${notice(state.notice)}
<p>Logged in as <strong id="username">${escapeHtml(user.username)}</strong>.</p>
${addressSection(user, verified)}
${sessionsSection(sessions, current)}
${keysSection(keys, state)}
${passwordSection(state.passwordForm)}
${emailSection(state.emailForm)}`,
        user,
      ),
    );
  }
}

function when(date: Date | null): string {
  if (!date) return 'never';
  return `${new Date(date).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function addressSection(user: User, verified: boolean): string {
  if (!user.email) {
    return `<section aria-labelledby="address-heading"><h2 id="address-heading">Address</h2>
<p id="email-state">No address yet: add one below to reset a forgotten password or sign in by email.</p></section>`;
  }
  return `<section aria-labelledby="address-heading"><h2 id="address-heading">Address</h2>
<p id="email-state"><span id="email">${escapeHtml(user.email)}</span> · ${
    verified
      ? '<strong id="verified" class="verified">verified</strong>'
      : '<strong id="verified" class="unverified">not verified yet</strong>'
  }</p>
${
  verified
    ? ''
    : `<form method="post" action="/account/email/resend"><button type="submit">Send the verification link again</button></form>`
}</section>`;
}

function sessionsSection(sessions: AuthSession[], current: string | undefined): string {
  const rows = sessions
    .map((session) => {
      const here = session.id === current;
      return `<tr data-session="${escapeHtml(session.id)}">
<td>${here ? '<strong>This browser</strong>' : escapeHtml(session.userAgent ?? 'unknown client')}</td>
<td>${escapeHtml(session.ip ?? '')}</td>
<td>${escapeHtml(when(session.createdAt))}</td>
<td>${escapeHtml(when(session.lastUsedAt))}</td>
<td><form method="post" action="/account/sessions/${encodeURIComponent(session.id)}/end"><button type="submit" aria-label="End the session started ${escapeHtml(when(session.createdAt))}${here ? ' (this browser: logs you out)' : ''}">End</button></form></td>
</tr>`;
    })
    .join('\n');
  return `<section aria-labelledby="sessions-heading"><h2 id="sessions-heading">Sessions</h2>
<table id="sessions">
<thead><tr><th>Client</th><th>Address</th><th>Started</th><th>Last used</th><th></th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${
  sessions.length > 1
    ? `<form method="post" action="/account/sessions/end-others"><button type="submit">End every other session</button></form>`
    : ''
}</section>`;
}

function keysSection(keys: ApiKey[], state: AccountState): string {
  const created = state.createdKey
    ? `<article id="new-key" role="status">
<p>Your new key <strong>${escapeHtml(state.createdKey.label)}</strong>. Copy it now: it is shown only this once.</p>
<code class="secret" id="new-key-value">${escapeHtml(state.createdKey.key)}</code>
</article>`
    : '';
  const rows = keys
    .map(
      (key) => `<tr data-key="${escapeHtml(key.id)}">
<td>${escapeHtml(key.label)}</td>
<td>${escapeHtml(key.scopes.join(', ') || 'all of yours')}</td>
<td>${escapeHtml(when(key.createdAt))}</td>
<td>${escapeHtml(when(key.lastUsedAt))}</td>
<td><form method="post" action="/account/api-keys/${encodeURIComponent(key.id)}/revoke"><button type="submit" aria-label="Revoke ${escapeHtml(key.label)}">Revoke</button></form></td>
</tr>`,
    )
    .join('\n');
  const form = state.keyForm;
  return `<section aria-labelledby="keys-heading"><h2 id="keys-heading">API keys</h2>
${created}
${
  keys.length > 0
    ? `<table id="api-keys">
<thead><tr><th>Label</th><th>Scopes</th><th>Created</th><th>Last used</th><th></th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`
    : '<p id="no-keys">No API keys yet.</p>'
}
<form method="post" action="/account/api-keys">
  ${alert(form?.page)}
  ${field({ name: 'label', label: 'Label of a new key', value: form?.label, error: form?.error, hint: 'Say where it is used, e.g. "laptop backup script".' })}
  <button type="submit">Create an API key</button>
</form></section>`;
}

function passwordSection(form: FormErrors | undefined): string {
  return `<section aria-labelledby="password-heading"><h2 id="password-heading">Change password</h2>
<form method="post" action="/account/password">
  ${alert(form?.page)}
  ${field({ name: 'current_password', label: 'Current password', type: 'password', autocomplete: 'current-password', error: form?.fields.current_password })}
  ${field({ name: 'new_password', label: 'New password', type: 'password', autocomplete: 'new-password', error: form?.fields.new_password, hint: 'At least 8 characters. Your other sessions end.' })}
  <button type="submit">Change password</button>
</form></section>`;
}

function emailSection(form: (FormErrors & { newEmail: string }) | undefined): string {
  return `<section aria-labelledby="email-heading"><h2 id="email-heading">Change address</h2>
<form method="post" action="/account/email">
  ${alert(form?.page)}
  ${field({ name: 'new_email', label: 'New address', type: 'email', autocomplete: 'email', value: form?.newEmail, error: form?.fields.new_email, form: 'change' })}
  ${field({ name: 'password', label: 'Your password', type: 'password', autocomplete: 'current-password', error: form?.fields.password, form: 'change' })}
  <button type="submit">Send a confirmation link</button>
</form></section>`;
}
