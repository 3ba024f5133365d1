import { Controller, Get, Header, Query } from '@nestjs/common';
import { CurrentUser, LoginRequired, Public, safeRedirectPath, type User } from 'portcullis';
import { escapeHtml, page } from './html.js';

/** The HTML side of the example: a login form and a page that needs a login. */
@Controller()
export class PagesController {
  @Public()
  @Get('login')
  @Header('Content-Type', 'text/html; charset=utf-8')
  login(@Query('next') next?: string): string {
    const safeNext = safeRedirectPath(next);
    return page(
      'Log in',
      `<h1>Log in</h1>
<form method="post" action="/auth/login">
  <label>Username <input name="username" autocomplete="username" required></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
  ${safeNext ? `<input type="hidden" name="next" value="${escapeHtml(safeNext)}">` : ''}
  <button type="submit">Log in</button>
</form>
<p>The form posts to <code>POST /auth/login</code>, which answers with an access token. Send it as
<code>Authorization: Bearer &lt;token&gt;</code> to reach ${escapeHtml(safeNext ?? '/dashboard')}.</p>`,
    );
  }

  @LoginRequired({ redirectTo: '/login' })
  @Get('dashboard')
  @Header('Content-Type', 'text/html; charset=utf-8')
  dashboard(@CurrentUser() user: User): string {
    return page(
      'Dashboard',
      `<h1>Dashboard</h1><p>Logged in as <strong>${escapeHtml(user.username)}</strong>.</p>`,
    );
  }
}
