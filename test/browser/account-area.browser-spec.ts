import type { INestApplication } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { User, UserService } from 'portcullis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../../src/app.module.js';
import { TestMailServer, type ReceivedMail } from '../support/mail-server.js';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from '../support/test-app.js';

// Every page of the example's account area in a real browser (Debian's chromium through
// playwright-core), each link taken from a message a real SMTP server received.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** With SCREENSHOTS=1 the run (on Express) rewrites the PNGs README shows. */
const SCREENSHOT_DIR = process.env.SCREENSHOTS ? 'docs/screenshots' : undefined;

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'staple gun orbit lantern';
const RESET_PASSWORD = 'quiet river copper kettle';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The first link in a message's text that opens `path`. */
function linkIn(mail: ReceivedMail, path: string): string {
  const match = new RegExp(`https?://\\S+${path}\\?token=[A-Za-z0-9_%-]+`).exec(mail.text);
  if (!match) throw new Error(`No ${path} link in:\n${mail.text}`);
  return match[0];
}

describe.each(ADAPTERS)('the account area in a real browser (%s)', (adapter) => {
  let app: INestApplication;
  let mail: TestMailServer;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    mail = await TestMailServer.start();
    const port = await freePort();
    base = `http://localhost:${port}`;
    app = await createTestApp(
      [
        AppModule.forRoot({
          databaseUrl: 'sqlite::memory:',
          jwtSecret: TEST_JWT_SECRET,
          secureCookies: false,
          smtpUrl: mail.url,
          mailFrom: 'Example <no-reply@example.test>',
          appUrl: base,
        }),
      ],
      adapter,
    );
    await app.listen(port, '127.0.0.1');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    if (SCREENSHOT_DIR) mkdirSync(SCREENSHOT_DIR, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await mail?.stop();
  });

  async function screenshot(page: Page, name: string): Promise<void> {
    if (SCREENSHOT_DIR && adapter === 'express') {
      await page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png`, fullPage: true });
    }
  }

  async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      viewport: { width: 1000, height: 760 },
      colorScheme: 'light',
    });
    context.setDefaultTimeout(10_000);
    return { context, page: await context.newPage() };
  }

  async function logIn(page: Page, username: string, password: string): Promise<void> {
    await page.goto(`${base}/login`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/`);
  }

  /** The error text the input names in aria-describedby: what a screen reader reads with it. */
  async function errorOf(page: Page, label: string): Promise<string> {
    const input = page.getByLabel(label, { exact: true });
    await input.and(page.locator('[aria-invalid="true"]')).waitFor();
    const ids = (await input.getAttribute('aria-describedby')) ?? '';
    const texts = await Promise.all(
      ids.split(' ').map((id) => page.locator(`[id="${id}"]`).textContent()),
    );
    return texts.join(' ');
  }

  async function apiLogin(username: string, password: string): Promise<{ refresh_token: string }> {
    const response = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'api-client/1.0' },
      body: JSON.stringify({ username, password }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { refresh_token: string };
  }

  async function refreshWorks(refreshToken: string): Promise<boolean> {
    const response = await fetch(`${base}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: refreshToken }),
    });
    return response.status === 200;
  }

  it('registers, verifies the address from the mail, and manages the account', async () => {
    const user = `dana-${adapter}`;
    const email = `${user}@example.test`;
    const { context, page } = await newPage();

    await page.goto(`${base}/login`);
    await screenshot(page, 'login');
    await page.getByRole('link', { name: 'Create an account' }).last().click();
    expect(new URL(page.url()).pathname).toBe('/register');
    await page.getByLabel('Username').fill(user);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    expect(await errorOf(page, 'Password')).toMatch(/at least 8 characters/i);
    await screenshot(page, 'register');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${base}/login?done=registered`);
    expect(await page.getByRole('status').textContent()).toContain('Your account is ready');

    // Signed in before verifying: the account page says so and sends the link again.
    const verification = await mail.next(email, 0);
    expect(verification.from).toContain('no-reply@example.test');
    expect(linkIn(verification, '/verify-email').startsWith(`${base}/verify-email?token=`)).toBe(
      true,
    );
    await logIn(page, user, PASSWORD);
    await page.goto(`${base}/account`);
    expect(await page.textContent('#email')).toBe(email);
    expect(await page.textContent('#verified')).toBe('not verified yet');
    await page.getByRole('button', { name: 'Send the verification link again' }).click();
    expect(await page.getByRole('status').textContent()).toContain('A new verification link');

    // The link opens a page with a button: following the link alone uses nothing up.
    const verifyLink = linkIn(await mail.next(email, 1), '/verify-email');
    await page.goto(verifyLink);
    await page.goto(verifyLink);
    await page.getByRole('button', { name: 'Verify my address' }).click();
    expect(await page.getByRole('status').textContent()).toContain('Your address is verified');
    await page.goto(verifyLink);
    await page.getByRole('button', { name: 'Verify my address' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('wrong, used or expired');
    await page.goto(`${base}/account`);
    expect(await page.textContent('#verified')).toBe('verified');
    expect(
      await page.getByRole('button', { name: 'Send the verification link again' }).count(),
    ).toBe(0);

    // An API key: shown once, working, then revoked.
    await page.getByLabel('Label of a new key').fill('');
    await page.getByRole('button', { name: 'Create an API key' }).click();
    await page.getByLabel('Label of a new key').fill('   ');
    await page.getByRole('button', { name: 'Create an API key' }).click();
    expect(await errorOf(page, 'Label of a new key')).toContain('label of 1 to 100 characters');
    await page.getByLabel('Label of a new key').fill('backup <script>');
    await page.getByRole('button', { name: 'Create an API key' }).click();
    const key = (await page.textContent('#new-key-value'))?.trim() ?? '';
    expect(key).toMatch(/^pcs_/);
    expect(await page.textContent('#api-keys')).toContain('backup <script>');
    const withKey = () => fetch(`${base}/auth/me`, { headers: { 'x-api-key': key } });
    expect((await withKey()).status).toBe(200);
    await page.goto(`${base}/account`);
    expect(await page.locator('#new-key-value').count()).toBe(0);
    await page.getByRole('button', { name: 'Revoke backup <script>' }).click();
    expect(await page.getByRole('status').textContent()).toContain('The API key is revoked');
    expect(await page.locator('#no-keys').count()).toBe(1);
    expect((await withKey()).status).toBe(401);

    // Sessions: end one, then every other; this browser's stays.
    const first = await apiLogin(user, PASSWORD);
    await page.reload();
    expect(await page.locator('#sessions tbody tr').count()).toBe(2);
    expect(await page.locator('#sessions tbody tr', { hasText: 'This browser' }).count()).toBe(1);
    await screenshot(page, 'account');
    await page
      .locator('#sessions tbody tr', { hasText: 'api-client/1.0' })
      .getByRole('button', { name: 'End' })
      .click();
    expect(await page.getByRole('status').textContent()).toContain('The session is ended');
    expect(await page.locator('#sessions tbody tr').count()).toBe(1);
    expect(await refreshWorks(first.refresh_token)).toBe(false);
    const second = await apiLogin(user, PASSWORD);
    const third = await apiLogin(user, PASSWORD);
    await page.reload();
    await page.getByRole('button', { name: 'End every other session' }).click();
    expect(await page.getByRole('status').textContent()).toContain('Every other session is ended');
    expect(await refreshWorks(second.refresh_token)).toBe(false);
    expect(await refreshWorks(third.refresh_token)).toBe(false);
    expect(await page.locator('#sessions tbody tr', { hasText: 'This browser' }).count()).toBe(1);

    // Change password: a wrong current one is refused next to its field; this browser stays in.
    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    expect(await errorOf(page, 'Current password')).toContain('This is not your password');
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password').fill('password');
    await page.getByRole('button', { name: 'Change password' }).click();
    expect(await errorOf(page, 'New password')).toMatch(/common|at least/i);
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByLabel('New password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    expect(await page.getByRole('status').textContent()).toContain('Your password is changed');
    expect(await page.textContent('#username')).toBe(user);
    expect((await fetch(`${base}/auth/login`, loginBody(user, PASSWORD))).status).toBe(401);
    expect((await fetch(`${base}/auth/login`, loginBody(user, NEW_PASSWORD))).status).toBe(200);

    // Change of address: confirmed from the link mailed to the new one; the old one is told.
    const newEmail = `${user}-new@example.test`;
    await page.getByLabel('New address').fill(newEmail);
    await page.getByLabel('Your password').fill('wrong password');
    await page.getByRole('button', { name: 'Send a confirmation link' }).click();
    expect(await errorOf(page, 'Your password')).toContain('This is not your password');
    expect(await page.getByLabel('New address').inputValue()).toBe(newEmail);
    await page.getByLabel('Your password').fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Send a confirmation link' }).click();
    expect(await page.getByRole('status').textContent()).toContain('A confirmation link');
    const confirmation = await mail.next(newEmail, 0);
    const notice = await mail.next(email, 2);
    expect(notice.text).toContain(newEmail);
    expect(notice.text).not.toMatch(/token=/);
    await page.goto(linkIn(confirmation, '/confirm-email'));
    await page.getByRole('button', { name: 'Use this address' }).click();
    expect(await page.getByRole('status').textContent()).toContain('now uses its new address');
    await page.goto(`${base}/account`);
    expect(await page.textContent('#email')).toBe(newEmail);
    expect(await page.textContent('#verified')).toBe('verified');

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${base}/login`);
    await page.goto(`${base}/account`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await context.close();

    // Forgot password: the link from the mail sets a new one, which logs in.
    const forgot = await newPage();
    await forgot.page.goto(`${base}/login`);
    await forgot.page.getByRole('link', { name: 'Forgot your password?' }).click();
    // The browser itself holds back an address that is not one (type=email, required).
    await forgot.page.getByLabel('Email').fill('not an address');
    await forgot.page.getByRole('button', { name: 'Send the link' }).click();
    expect(
      await forgot.page
        .getByLabel('Email')
        .evaluate((input) => (input as { validity: { valid: boolean } }).validity.valid),
    ).toBe(false);
    expect(new URL(forgot.page.url()).pathname).toBe('/forgot-password');
    await forgot.page.getByLabel('Email').fill(newEmail);
    await screenshot(forgot.page, 'forgot-password');
    await forgot.page.getByRole('button', { name: 'Send the link' }).click();
    expect(await forgot.page.getByRole('status').textContent()).toContain(
      'If an account has this address',
    );
    const reset = await mail.next(newEmail, 1);
    const resetLink = linkIn(reset, '/reset-password');
    await forgot.page.goto(resetLink);
    await forgot.page.getByLabel('New password').fill('short');
    await forgot.page.getByRole('button', { name: 'Set the password' }).click();
    expect(await errorOf(forgot.page, 'New password')).toMatch(/at least 8 characters/i);
    await forgot.page.getByLabel('New password').fill(RESET_PASSWORD);
    await forgot.page.getByRole('button', { name: 'Set the password' }).click();
    await forgot.page.waitForURL(`${base}/login?done=reset`);
    await forgot.page.goto(resetLink);
    await forgot.page.getByLabel('New password').fill('another long password');
    await forgot.page.getByRole('button', { name: 'Set the password' }).click();
    expect(await forgot.page.getByRole('alert').textContent()).toContain('wrong, used or expired');
    await logIn(forgot.page, user, RESET_PASSWORD);
    await forgot.page.goto(`${base}/account`);
    expect(await forgot.page.textContent('#username')).toBe(user);
    await forgot.context.close();

    // Magic link, by the link: the page's button signs in; the link works once.
    const byLink = await newPage();
    await byLink.page.goto(`${base}/login`);
    await byLink.page.getByRole('link', { name: 'Email me a sign-in link' }).click();
    await byLink.page.getByLabel('Email', { exact: true }).fill(newEmail);
    await screenshot(byLink.page, 'magic-link');
    await byLink.page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    expect(await byLink.page.getByRole('status').textContent()).toContain(
      'If an account has this address',
    );
    const magic = await mail.next(newEmail, 2);
    const magicLink = linkIn(magic, '/magic-link');
    await byLink.page.goto(magicLink);
    await byLink.page.getByRole('button', { name: 'Sign in' }).click();
    await byLink.page.waitForURL(`${base}/account`);
    expect(await byLink.page.textContent('#username')).toBe(user);
    await byLink.context.close();
    const replay = await newPage();
    await replay.page.goto(magicLink);
    await replay.page.getByRole('button', { name: 'Sign in' }).click();
    await replay.page.waitForURL(/\/login\?error=invalid_token/);
    expect(await replay.page.getByRole('alert').textContent()).toContain('wrong, used or expired');
    await replay.context.close();

    // A fourth message to one address within 15 minutes is refused (throttle.mailPerEmail is 3).
    const flood = await newPage();
    await flood.page.goto(`${base}/magic-link`);
    await flood.page.getByLabel('Email', { exact: true }).fill(newEmail);
    await flood.page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    expect(await flood.page.getByRole('alert').textContent()).toContain('Too many attempts');
    expect(await mail.quietFor(newEmail, 300)).toBe(true);
    await flood.context.close();

    // Magic link, by the code typed on another device: a wrong code is refused, the right one works.
    const other = `erin-${adapter}`;
    const otherEmail = `${other}@example.test`;
    await app
      .get<UserService<User>>(UserService)
      .createUser({ username: other, password: PASSWORD, email: otherEmail });
    const byCode = await newPage();
    await byCode.page.goto(`${base}/magic-link`);
    await byCode.page.getByLabel('Email', { exact: true }).fill(otherEmail);
    await byCode.page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    const coded = await mail.next(otherEmail, 0);
    const code = /\b(\d{6})\b/.exec(coded.text)?.[1];
    expect(code).toBeDefined();
    const wrong = code === '000000' ? '111111' : '000000';
    await byCode.page.getByLabel('Code from the message').fill(wrong);
    await byCode.page.getByRole('button', { name: 'Sign in' }).click();
    await byCode.page.waitForURL(/\/login\?error=invalid_token/);
    expect(await byCode.page.getByRole('alert').textContent()).toContain('wrong, used or expired');
    await byCode.page.getByRole('link', { name: 'Email me a sign-in link' }).click();
    await byCode.page.getByLabel('Address the code was sent to').fill(otherEmail);
    await byCode.page.getByLabel('Code from the message').fill(code ?? '');
    await byCode.page.getByRole('button', { name: 'Sign in with the code' }).click();
    await byCode.page.waitForURL(`${base}/account`);
    expect(await byCode.page.textContent('#username')).toBe(other);
    await byCode.context.close();
  }, 120_000);

  it('refuses a form posted from another site', async () => {
    const response = await fetch(`${base}/forgot-password`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
      },
      body: 'email=someone%40example.test',
    });
    expect(response.status).toBe(403);
    expect(await mail.quietFor('someone@example.test', 300)).toBe(true);
  });

  it('serves Pico and the pages with their stylesheet', async () => {
    const css = await fetch(`${base}/assets/pico.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(css.headers.get('cache-control')).toContain('max-age');
    expect(await css.text()).toContain('--pico-');
    const login = await fetch(`${base}/login`);
    expect(await login.text()).toContain('<link rel="stylesheet" href="/assets/pico.css">');
  });
});

function loginBody(username: string, password: string): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  };
}
