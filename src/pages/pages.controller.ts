import { Controller, Get, Header, Query } from '@nestjs/common';
import {
  CurrentUser,
  LoginRequired,
  OptionalAuth,
  PermissionService,
  Public,
  safeRedirectPath,
  StaffOnly,
  type User,
} from 'portcullis';
import { alert, escapeHtml, field, notice, page } from './html.js';

const LOGIN_ERRORS: Record<string, string> = {
  invalid_credentials: 'Wrong username or password.',
  validation_failed: 'Enter a username and a password.',
  invalid_token: 'This sign-in link or code is wrong, used or expired. Ask for a new one.',
  too_many_attempts: 'Too many attempts: wait a little and try again.',
};

const LOGIN_NOTICES: Record<string, string> = {
  registered: 'Your account is ready: log in. A message to verify your address is on its way.',
  reset: 'Your password is changed and every session ended: log in with the new one.',
};

/** The HTML side of the example: home, the login form, a page that needs a login, a staff page. */
@Controller()
export class PagesController {
  constructor(private readonly permissions: PermissionService) {}

  @OptionalAuth()
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  home(@CurrentUser() user?: User): string {
    return page(
      'Home',
      `<h1>Portcullis example</h1>
<p>A notes API and an account area protected by Portcullis.</p>
${
  user
    ? `<p>Logged in as <strong>${escapeHtml(user.username)}</strong>: see <a href="/account">your account</a>.</p>`
    : `<p><a href="/login">Log in</a> or <a href="/register">create an account</a>.</p>`
}`,
      user,
    );
  }

  @Public()
  @Get('login')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  login(
    @Query('next') next?: string,
    @Query('error') error?: string,
    @Query('done') done?: string,
  ): string {
    const safeNext = safeRedirectPath(next);
    const message = typeof error === 'string' ? LOGIN_ERRORS[error] : undefined;
    const done_ = typeof done === 'string' ? LOGIN_NOTICES[done] : undefined;
    return page(
      'Log in',
      `<h1>Log in</h1>
${alert(message)}${notice(done_)}
<form method="post" action="/auth/browser/login">
  ${field({ name: 'username', label: 'Username', autocomplete: 'username' })}
  ${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' })}
  ${safeNext ? `<input type="hidden" name="next" value="${escapeHtml(safeNext)}">` : ''}
  <button type="submit">Log in</button>
</form>
<p><a href="/forgot-password">Forgot your password?</a> · <a href="/magic-link">Email me a sign-in link</a> · <a href="/register">Create an account</a></p>`,
    );
  }

  @LoginRequired({ redirectTo: '/login' })
  @Get('dashboard')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  dashboard(@CurrentUser() user: User): string {
    return page(
      'Dashboard',
      `<h1>Dashboard</h1>
<p>Logged in as <strong id="username">${escapeHtml(user.username)}</strong>.</p>
<p>Your sessions, API keys, password and address are on <a href="/account">your account page</a>.</p>`,
      user,
    );
  }

  /** The staff area: groups and what they may do. Anonymous browsers go to the login page first. */
  @LoginRequired({ redirectTo: '/login' })
  @StaffOnly()
  @Get('admin')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async admin(@CurrentUser() user: User): Promise<string> {
    const groups = await this.permissions.listGroups();
    const rows = groups
      .map(
        (group) =>
          `<tr><td>${escapeHtml(group.name)}</td><td>${escapeHtml(group.permissions.join(', ') || '(none)')}</td></tr>`,
      )
      .join('\n');
    return page(
      'Admin',
      `<h1>Admin</h1>
<p>Logged in as <strong id="username">${escapeHtml(user.username)}</strong> (staff).</p>
<h2>Groups</h2>
<table id="groups">
<thead><tr><th>Group</th><th>Permissions</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`,
      user,
    );
  }
}
