import type { INestApplication } from '@nestjs/common';
import { AccountService, AuthSession, PermissionService, User, UserService } from 'portcullis';
import { DataSource } from 'typeorm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../src/app.module.js';
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

describe.each(ADAPTERS)('browser sessions (cookies) on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp(
      [
        AppModule.forRoot({
          databaseUrl: database.url,
          jwtSecret: TEST_JWT_SECRET,
          secureCookies: false,
        }),
      ],
      adapter,
    );
    const bea = await app
      .get<UserService<User>>(UserService)
      .createUser({ username: 'bea', password: PASSWORD });
    await app.get(PermissionService).addToGroup(String(bea.id), 'member');
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  function formLogin(fields: Record<string, string>, origin: string | null = ORIGIN) {
    const call = http().post('/auth/browser/login').set('Host', HOST).type('form');
    if (origin !== null) call.set('Origin', origin);
    return call.send(fields);
  }

  async function loggedInJar(): Promise<Record<string, string>> {
    const response = await formLogin({ username: 'bea', password: PASSWORD, next: '/dashboard' });
    expect(response.status).toBe(303);
    return cookiesFrom(response);
  }

  it('logs in through the form: HttpOnly SameSite=Lax cookies and a redirect to next', async () => {
    const response = await formLogin({ username: 'bea', password: PASSWORD, next: '/dashboard' });
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/dashboard');
    const lines = response.headers['set-cookie'] as unknown as string[];
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toMatch(/^portcullis_(access|refresh)=[\w-]+\.[\w-]+\.[\w-]+;/);
      expect(line).toContain('HttpOnly');
      expect(line).toContain('SameSite=Lax');
      expect(line).toContain('Path=/');
    }
    const page = await http()
      .get('/dashboard')
      .set('Cookie', cookieHeader(cookiesFrom(response)))
      .expect(200);
    expect(page.text).toContain('<strong id="username">bea</strong>');
  });

  it('sends a failed login back to the form with an error and no cookies', async () => {
    const response = await formLogin({ username: 'bea', password: 'wrong', next: '/dashboard' });
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/login?error=invalid_credentials&next=%2Fdashboard');
    expect(response.headers['set-cookie']).toBeUndefined();
    const empty = await formLogin({ next: '/dashboard' });
    expect(empty.headers.location).toBe('/login?error=validation_failed&next=%2Fdashboard');
    const form = await http().get('/login?error=invalid_credentials&next=/dashboard').expect(200);
    expect(form.text).toContain('Wrong username or password.');
  });

  it('treats the cookie session as the current one on the account routes', async () => {
    const jar = await loggedInJar();
    const other = await loggedInJar();
    const call = (method: 'get' | 'post', path: string) =>
      http()[method](path).set('Host', HOST).set('Origin', ORIGIN).set('Cookie', cookieHeader(jar));
    const listed = await call('get', '/auth/sessions').expect(200);
    const current = (listed.body as Array<{ id: string; current: boolean }>).filter(
      (session) => session.current,
    );
    expect(current).toHaveLength(1);
    // Changing the password from the browser keeps its own session and ends the others.
    const NEW = 'a fresh cookie phrase';
    await call('post', '/auth/change-password')
      .send({ current_password: PASSWORD, new_password: NEW })
      .expect(204);
    await call('get', '/auth/me').expect(200);
    const ended = await http().get('/auth/me').set('Host', HOST).set('Cookie', cookieHeader(other));
    expect(ended.status).toBe(401);
    const rows = await app.get(DataSource).getRepository(AuthSession).findBy({ id: current[0].id });
    expect(rows[0].revokedAt).toBeNull();
    await app
      .get<AccountService<User>>(AccountService)
      .setPassword((await app.get<UserService<User>>(UserService).findByHandle('bea'))!, PASSWORD);
  });

  it('never redirects off-site after login', async () => {
    for (const next of ['//evil.example', 'https://evil.example/', '/\\evil.example']) {
      const response = await formLogin({ username: 'bea', password: PASSWORD, next });
      expect(response.headers.location).toBe('/');
    }
  });

  it('refuses cross-site and origin-less posts (login CSRF, cookie-riding writes)', async () => {
    const evil = await formLogin({ username: 'bea', password: PASSWORD }, 'https://evil.example');
    expect(evil.status).toBe(403);
    expect(evil.body.error).toBe('csrf_failed');
    expect(evil.headers['set-cookie']).toBeUndefined();
    expect((await formLogin({ username: 'bea', password: PASSWORD }, null)).status).toBe(403);

    const jar = await loggedInJar();
    const riding = await http()
      .post('/notes')
      .set('Host', HOST)
      .set('Origin', 'https://evil.example')
      .set('Cookie', cookieHeader(jar))
      .send({ title: 'forged', body: '' });
    expect(riding.status).toBe(403);
    expect(riding.body.error).toBe('csrf_failed');
    const sameSite = await http()
      .post('/notes')
      .set('Host', HOST)
      .set('Origin', ORIGIN)
      .set('Cookie', cookieHeader(jar))
      .send({ title: 'mine', body: '' });
    expect(sameSite.status).toBe(201);
    const reading = await http().get('/notes').set('Cookie', cookieHeader(jar)).expect(200);
    expect(reading.body.map((note: { title: string }) => note.title)).toEqual(['mine']);
  });

  it('renews an expired access cookie from the refresh cookie', async () => {
    const jar = await loggedInJar();
    const onlyRefresh = { portcullis_refresh: jar.portcullis_refresh };
    const page = await http()
      .get('/dashboard')
      .set('Cookie', cookieHeader(onlyRefresh))
      .expect(200);
    const renewed = cookiesFrom(page);
    expect(renewed.portcullis_access).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(renewed.portcullis_refresh).not.toBe(jar.portcullis_refresh);
    await http().get('/dashboard').set('Cookie', cookieHeader(renewed)).expect(200);
  });

  it('does not renew the cookie session of a user deactivated in the database directly', async () => {
    const users = app.get<UserService<User>>(UserService);
    await users.createUser({ username: 'cora', password: PASSWORD });
    const response = await formLogin({ username: 'cora', password: PASSWORD, next: '/dashboard' });
    const jar = cookiesFrom(response);
    const sid = JSON.parse(
      Buffer.from(jar.portcullis_refresh.split('.')[1], 'base64url').toString(),
    ).sid as string;
    await http().get('/auth/me').set('Cookie', cookieHeader(jar)).expect(200);
    await app
      .get(DataSource)
      .createQueryBuilder()
      .update(User)
      .set({ isActive: false })
      .where('username = :username', { username: 'cora' })
      .callListeners(false)
      .execute();

    const onlyRefresh = { portcullis_refresh: jar.portcullis_refresh };
    const api = await http().get('/auth/me').set('Cookie', cookieHeader(onlyRefresh));
    expect(api.status).toBe(401);
    expect(api.body.error).toBe('invalid_token');
    // No renewed pair: the only cookies sent are the ones clearing the session.
    const lines = (api.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
    expect(lines.every((line) => /^portcullis_\w+=;.*Max-Age=0/.test(line))).toBe(true);
    const page = await http().get('/dashboard').set('Cookie', cookieHeader(onlyRefresh));
    expect(page.status).toBe(302);
    const row = await app.get(DataSource).getRepository(AuthSession).findOneByOrFail({ id: sid });
    expect(row.revokedAt).toBeInstanceOf(Date);
    expect(row.revokedReason).toBe('deactivated');
  });

  it('logs out: the session ends, the cookies are cleared, the old cookie is refused', async () => {
    const jar = await loggedInJar();
    const response = await http()
      .post('/auth/browser/logout')
      .set('Host', HOST)
      .set('Origin', ORIGIN)
      .set('Cookie', cookieHeader(jar))
      .expect(303);
    expect(response.headers.location).toBe('/login');
    const cleared = response.headers['set-cookie'] as unknown as string[];
    expect(cleared.filter((line) => /Max-Age=0/.test(line))).toHaveLength(2);

    const again = await http().get('/dashboard').set('Cookie', cookieHeader(jar));
    expect(again.status).toBe(302);
    expect(again.headers.location).toBe('/login?next=%2Fdashboard');
    const api = await http().get('/auth/me').set('Cookie', cookieHeader(jar));
    expect(api.status).toBe(401);
    expect(api.body.error).toBe('token_revoked');
  });

  it('a cross-site logout post is refused and logs nobody out', async () => {
    const jar = await loggedInJar();
    const forged = await http()
      .post('/auth/browser/logout')
      .set('Host', HOST)
      .set('Origin', 'https://evil.example')
      .set('Cookie', cookieHeader(jar));
    expect(forged.status).toBe(403);
    await http().get('/dashboard').set('Cookie', cookieHeader(jar)).expect(200);
  });
});
