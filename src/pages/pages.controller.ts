import { Controller, Get, Header, Query } from '@nestjs/common';
import {
  CurrentUser,
  LoginRequired,
  PermissionService,
  Public,
  safeRedirectPath,
  StaffOnly,
  type User,
} from 'portcullis';
import { escapeHtml, page } from './html.js';

const LOGIN_ERRORS: Record<string, string> = {
  invalid_credentials: 'Wrong username or password.',
  validation_failed: 'Enter a username and a password.',
};

/** The HTML side of the example: a login form, a page that needs a login and a staff-only page. */
@Controller()
export class PagesController {
  constructor(private readonly permissions: PermissionService) {}

  @Public()
  @Get('login')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  login(@Query('next') next?: string, @Query('error') error?: string): string {
    const safeNext = safeRedirectPath(next);
    const message = typeof error === 'string' ? LOGIN_ERRORS[error] : undefined;
    return page(
      'Log in',
      `<h1>Log in</h1>
${message ? `<p role="alert">${escapeHtml(message)}</p>` : ''}
<form method="post" action="/auth/browser/login">
  <label>Username <input name="username" autocomplete="username" required></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
  ${safeNext ? `<input type="hidden" name="next" value="${escapeHtml(safeNext)}">` : ''}
  <button type="submit">Log in</button>
</form>`,
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
<form method="post" action="/auth/browser/logout"><button type="submit">Log out</button></form>`,
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
    );
  }
}
