import type { INestApplication } from '@nestjs/common';
import { User, UserService } from 'portcullis';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../../src/app.module.js';
import { createTestApp, TEST_JWT_SECRET } from '../support/test-app.js';

// A real browser (Debian's chromium, driven by playwright-core) through the example app's login page.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('the login page in a real browser', () => {
  let app: INestApplication;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    app = await createTestApp(
      [
        AppModule.forRoot({
          databaseUrl: 'sqlite::memory:',
          jwtSecret: TEST_JWT_SECRET,
          secureCookies: false,
        }),
      ],
      'express',
    );
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as { port: number };
    base = `http://localhost:${address.port}`;
    await app
      .get<UserService<User>>(UserService)
      .createUser({ username: 'chloe', password: 'correct horse battery' });
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
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('sends an anonymous visitor to log in, back to next, and out again', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();

    await page.goto(`${base}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/dashboard');

    await page.fill('input[name=username]', 'chloe');
    await page.fill('input[name=password]', 'wrong password');
    await page.click('button[type=submit]');
    expect(await page.textContent('[role=alert]')).toContain('Wrong username or password');

    await page.fill('input[name=username]', 'chloe');
    await page.fill('input[name=password]', 'correct horse battery');
    await page.click('button[type=submit]');
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    expect(await page.textContent('#username')).toBe('chloe');

    const cookies = await context.cookies();
    expect(cookies.map((cookie) => cookie.name).sort()).toEqual([
      'portcullis_access',
      'portcullis_refresh',
    ]);
    for (const cookie of cookies) {
      expect(cookie.httpOnly).toBe(true);
      expect(cookie.sameSite).toBe('Lax');
    }
    expect(await page.evaluate('document.cookie')).toBe('');

    await page.click('text=Log out');
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await context.cookies()).toEqual([]);
    await page.goto(`${base}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await context.close();
  });
});
