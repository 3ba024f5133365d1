import type { INestApplication } from '@nestjs/common';
import { PermissionService, User, UserService } from 'portcullis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../src/app.module.js';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const PASSWORD = 'correct horse battery';

describe.each(ADAPTERS)('the example app’s staff area on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp(
      [AppModule.forRoot({ databaseUrl: database.url, jwtSecret: TEST_JWT_SECRET })],
      adapter,
    );
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  async function bearer(username: string): Promise<string> {
    const login = await http()
      .post('/auth/login')
      .send({ username, password: PASSWORD })
      .expect(200);
    return `Bearer ${login.body.access_token}`;
  }

  it('redirects an anonymous browser to the login page, coming back to /admin', async () => {
    const response = await http().get('/admin').set('Accept', 'text/html').expect(302);
    expect(response.headers.location).toBe('/login?next=%2Fadmin');
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('is 403 for a member', async () => {
    await http()
      .post('/auth/register')
      .send({ username: 'member', password: PASSWORD })
      .expect(201);
    const response = await http()
      .get('/admin')
      .set('Authorization', await bearer('member'));
    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      statusCode: 403,
      error: 'insufficient_permissions',
      message: 'Staff only.',
    });
  });

  it('shows staff the groups and their permissions', async () => {
    const users = app.get<UserService<User>>(UserService);
    await users.createUser({ username: 'staffer', password: PASSWORD, isStaff: true });
    await app.get(PermissionService).ensureGroup('ops');
    const response = await http()
      .get('/admin')
      .set('Authorization', await bearer('staffer'))
      .expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.text).toContain('<strong id="username">staffer</strong>');
    expect(response.text).toContain('<tr><td>member</td><td>notes.read, notes.write</td></tr>');
    expect(response.text).toContain('<tr><td>ops</td><td>(none)</td></tr>');
  });

  it('lets a superuser in too', async () => {
    const users = app.get<UserService<User>>(UserService);
    await users.createUser({ username: 'root', password: PASSWORD, isSuperuser: true });
    await http()
      .get('/admin')
      .set('Authorization', await bearer('root'))
      .expect(200);
  });
});
