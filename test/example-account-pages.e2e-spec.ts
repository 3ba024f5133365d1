import type { INestApplication } from '@nestjs/common';
import { ApiKeyService, User, UserService } from 'portcullis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../src/app.module.js';
import { TestMailServer, tokenFromLink } from './support/mail-server.js';
import { cookiesFrom } from './support/set-cookies.js';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const PASSWORD = 'correct horse battery';
const HOST = 'notes.example.test';
const ORIGIN = `http://${HOST}`;

const cookieHeader = (jar: Record<string, string>) =>
  Object.entries(jar)
    .filter(([, value]) => value !== '')
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');

// The example's HTML pages as an attacker meets them: other users' sessions and keys, cross-site
// posts, one-time tokens that a GET must not use up, and answers that must not tell who exists.
describe.each(ADAPTERS)("the example's account pages on %s", (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  let mail: TestMailServer;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    database = await createTestDatabase();
    mail = await TestMailServer.start();
    app = await createTestApp(
      [
        AppModule.forRoot({
          databaseUrl: database.url,
          jwtSecret: TEST_JWT_SECRET,
          secureCookies: false,
          smtpUrl: mail.url,
          appUrl: ORIGIN,
        }),
      ],
      adapter,
    );
    const users = app.get<UserService<User>>(UserService);
    for (const name of ['ana', 'ben']) {
      await users.createUser({ username: name, password: PASSWORD, email: `${name}@example.test` });
    }
  });

  afterAll(async () => {
    await app?.close();
    await mail?.stop();
    await database?.drop();
  });

  async function jarOf(username: string): Promise<string> {
    const response = await http()
      .post('/auth/browser/login')
      .set('Host', HOST)
      .set('Origin', ORIGIN)
      .type('form')
      .send({ username, password: PASSWORD, next: '/account' })
      .expect(303);
    expect(response.headers.location).toBe('/account');
    return cookieHeader(cookiesFrom(response));
  }

  const post = (path: string, cookie: string, origin = ORIGIN) =>
    http().post(path).set('Host', HOST).set('Origin', origin).set('Cookie', cookie).type('form');

  it('sends an anonymous browser to log in first, and never caches a page', async () => {
    const response = await http().get('/account').set('Accept', 'text/html').expect(302);
    expect(response.headers.location).toBe('/login?next=%2Faccount');
    for (const path of ['/login', '/register', '/forgot-password', '/magic-link']) {
      const page = await http().get(path).expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['cache-control']).toBe('no-store');
    }
  });

  it("neither ends another user's session nor revokes their key", async () => {
    const ana = await jarOf('ana');
    const ben = await jarOf('ben');
    const anaId = (await app.get<UserService<User>>(UserService).findByHandle('ana'))!.id;
    const { key, record } = await app
      .get<ApiKeyService<User>>(ApiKeyService)
      .createKey(String(anaId), { label: 'ana key' });
    const page = await http().get('/account').set('Cookie', ana).expect(200);
    const anaSession = /data-session="([^"]+)"/.exec(page.text)?.[1];
    expect(anaSession).toBeDefined();

    const end = await post(`/account/sessions/${anaSession}/end`, ben).expect(303);
    expect(end.headers.location).toBe('/account');
    const revoke = await post(`/account/api-keys/${record.id}/revoke`, ben).expect(303);
    expect(revoke.headers.location).toBe('/account');

    await http().get('/account').set('Cookie', ana).expect(200);
    await http().get('/auth/me').set('X-API-Key', key).expect(200);
  });

  it('refuses cross-site posts of a signed-in browser, and creates nothing', async () => {
    const ana = await jarOf('ana');
    const before = await http().get('/auth/api-keys').set('Cookie', ana).expect(200);
    const refused = await post('/account/api-keys', ana, 'https://evil.example')
      .send({ label: 'planted' })
      .expect(403);
    expect(refused.body.error).toBe('csrf_failed');
    await post('/account/password', ana, 'null')
      .send({ current_password: PASSWORD, new_password: 'attacker chosen words' })
      .expect(403);
    const after = await http().get('/auth/api-keys').set('Cookie', ana).expect(200);
    expect(after.body).toEqual(before.body);
  });

  it('shows a new key once, and escapes its label', async () => {
    const ana = await jarOf('ana');
    const created = await post('/account/api-keys', ana).send({ label: '<img src=x>' }).expect(201);
    const key = /id="new-key-value">([^<]+)</.exec(created.text)?.[1];
    expect(key).toMatch(/^pcs_/);
    expect(created.text).toContain('&#60;img src=x&#62;');
    expect(created.text).not.toContain('<img src=x>');
    const again = await http().get('/account').set('Cookie', ana).expect(200);
    expect(again.text).not.toContain(key!);
    expect(again.text).toContain('&#60;img src=x&#62;');
  });

  it('answers the forgot-password form alike for a known and an unknown address', async () => {
    const count = mail.to('ben@example.test').length;
    const known = await http()
      .post('/forgot-password')
      .set('Host', HOST)
      .set('Origin', ORIGIN)
      .type('form')
      .send({ email: 'ben@example.test' })
      .expect(202);
    const unknown = await http()
      .post('/forgot-password')
      .set('Host', HOST)
      .set('Origin', ORIGIN)
      .type('form')
      .send({ email: 'nobody@example.test' })
      .expect(202);
    expect(unknown.text).toBe(known.text);
    const message = await mail.next('ben@example.test', count);
    expect(message.subject).toMatch(/password/i);
    expect(await mail.quietFor('nobody@example.test', 200)).toBe(true);
  });

  it('uses no token on GET: a link opened by a mail scanner still works', async () => {
    const ana = await jarOf('ana');
    const count = mail.to('ana@example.test').length;
    await post('/account/email/resend', ana).expect(303);
    const token = tokenFromLink((await mail.next('ana@example.test', count)).text, '/verify-email');
    for (let i = 0; i < 3; i++) {
      const page = await http()
        .get(`/verify-email?token=${encodeURIComponent(token)}`)
        .expect(200);
      expect(page.text).toContain('name="token"');
    }
    const verify = (value: string) =>
      http()
        .post('/verify-email')
        .set('Host', HOST)
        .set('Origin', ORIGIN)
        .type('form')
        .send({ token: value });
    expect((await verify(token).expect(200)).text).toContain('Your address is verified');
    expect((await verify(token).expect(400)).text).toContain('wrong, used or expired');
    expect((await verify(`${token.slice(0, -2)}xx`).expect(400)).text).toContain(
      'wrong, used or expired',
    );
    const account = await http().get('/account').set('Cookie', ana).expect(200);
    expect(account.text).toContain('<strong id="verified" class="verified">verified</strong>');
  });

  it('keeps the session of the browser that changes its password, and ends the others', async () => {
    const ben = await jarOf('ben');
    const other = await jarOf('ben');
    const refused = await post('/account/password', ben)
      .send({ current_password: 'wrong', new_password: 'another fine passphrase' })
      .expect(401);
    expect(refused.text).toMatch(
      /aria-invalid="true" aria-describedby="current_password-error"[\s\S]*id="current_password-error"[^>]*>This is not your password/,
    );
    await post('/account/password', ben)
      .send({ current_password: PASSWORD, new_password: 'another fine passphrase' })
      .expect(303);
    await http().get('/account').set('Cookie', ben).expect(200);
    await http().get('/account').set('Cookie', other).set('Accept', 'text/html').expect(302);
  });
});
