import type { INestApplication } from '@nestjs/common';
import { PermissionService } from 'portcullis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../src/app.module.js';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

describe.each(ADAPTERS)('example app on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  let http: () => ReturnType<typeof request>;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp(
      [AppModule.forRoot({ databaseUrl: database.url, jwtSecret: TEST_JWT_SECRET })],
      adapter,
    );
    http = () => request(app.getHttpServer());
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  function register(username: string, password = 'correct horse battery') {
    return http().post('/auth/register').send({ username, password });
  }

  async function loginToken(username: string, password = 'correct horse battery'): Promise<string> {
    const response = await http().post('/auth/login').send({ username, password }).expect(200);
    return response.body.access_token as string;
  }

  it('registers, logs in with a JSON body, reads /auth/me and uses the notes API', async () => {
    const registered = await register('alice');
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ username: 'alice', isActive: true });
    expect(registered.body).not.toHaveProperty('passwordHash');

    const login = await http()
      .post('/auth/login')
      .send({ username: 'alice', password: 'correct horse battery' })
      .expect(200);
    expect(login.body).toEqual({
      access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      token_type: 'Bearer',
      expires_in: 900,
      refresh_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
    });
    expect(login.headers['cache-control']).toBe('no-store');
    const auth = `Bearer ${login.body.access_token}`;

    const me = await http().get('/auth/me').set('Authorization', auth).expect(200);
    expect(me.body).toMatchObject({ id: registered.body.id, username: 'alice' });
    expect(me.body).not.toHaveProperty('passwordHash');

    const created = await http()
      .post('/notes')
      .set('Authorization', auth)
      .send({ title: 'First', body: 'Hello' })
      .expect(201);
    expect(created.body).toMatchObject({ id: expect.any(Number), title: 'First', body: 'Hello' });
    const list = await http().get('/notes').set('Authorization', auth).expect(200);
    expect(list.body).toEqual([expect.objectContaining({ id: created.body.id, title: 'First' })]);
    const forbidden = await http().delete(`/notes/${created.body.id}`).set('Authorization', auth);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.missing).toEqual(['notes.delete']);
    await app.get(PermissionService).grantToUser(String(registered.body.id), 'notes.delete');
    await http().delete(`/notes/${created.body.id}`).set('Authorization', auth).expect(204);
    expect((await http().get('/notes').set('Authorization', auth).expect(200)).body).toEqual([]);
  });

  it('logs in with a form body', async () => {
    await register('formuser').expect(201);
    const response = await http()
      .post('/auth/login')
      .type('form')
      .send({ username: 'formuser', password: 'correct horse battery' })
      .expect(200);
    expect(response.body.token_type).toBe('Bearer');
    await http()
      .get('/auth/me')
      .set('Authorization', `Bearer ${response.body.access_token}`)
      .expect(200);
  });

  it('accepts HTTP Basic on the login route and on protected routes', async () => {
    await register('basicuser').expect(201);
    const login = await http()
      .post('/auth/login')
      .auth('basicuser', 'correct horse battery')
      .expect(200);
    expect(login.body.token_type).toBe('Bearer');
    const me = await http().get('/auth/me').auth('basicuser', 'correct horse battery').expect(200);
    expect(me.body.username).toBe('basicuser');
    await http()
      .post('/notes')
      .auth('basicuser', 'correct horse battery')
      .send({ title: 'via basic', body: '' })
      .expect(201);
    const notes = await http().get('/notes').auth('basicuser', 'correct horse battery').expect(200);
    expect(notes.body.map((note: { title: string }) => note.title)).toEqual(['via basic']);
  });

  it('keeps each user to their own notes', async () => {
    await register('owner1').expect(201);
    const second = await register('owner2').expect(201);
    await app.get(PermissionService).grantToUser(String(second.body.id), 'notes.delete');
    const one = `Bearer ${await loginToken('owner1')}`;
    const two = `Bearer ${await loginToken('owner2')}`;
    const note = await http()
      .post('/notes')
      .set('Authorization', one)
      .send({ title: 'mine', body: 'x' })
      .expect(201);
    expect((await http().get('/notes').set('Authorization', two).expect(200)).body).toEqual([]);
    await http().delete(`/notes/${note.body.id}`).set('Authorization', two).expect(404);
    expect((await http().get('/notes').set('Authorization', one).expect(200)).body).toHaveLength(1);
  });

  it('answers anonymous API calls with 401, the error body and WWW-Authenticate', async () => {
    const response = await http().get('/notes').expect(401);
    expect(response.body).toEqual({
      statusCode: 401,
      error: 'not_authenticated',
      message: expect.any(String),
    });
    expect(response.headers['www-authenticate']).toBe(
      'Bearer realm="portcullis", Basic realm="portcullis", charset="UTF-8"',
    );
  });

  it('answers a bad bearer token with invalid_token in the Bearer challenge', async () => {
    const response = await http().get('/notes').set('Authorization', 'Bearer a.b.c').expect(401);
    expect(response.body.error).toBe('invalid_token');
    expect(response.headers['www-authenticate']).toMatch(
      /^Bearer realm="portcullis", error="invalid_token", error_description="[^"]+", Basic realm="portcullis"/,
    );
  });

  it('redirects an anonymous browser from /dashboard to the login page with next', async () => {
    const response = await http().get('/dashboard').set('Accept', 'text/html').expect(302);
    expect(response.headers.location).toBe('/login?next=%2Fdashboard');
    const page = await http().get('/login?next=/dashboard').expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('<form method="post" action="/auth/browser/login">');
  });

  it('shows the dashboard to a logged-in user, with the handle escaped', async () => {
    await register('<b>dash</b>').expect(201);
    const token = await loginToken('<b>dash</b>');
    const response = await http()
      .get('/dashboard')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(response.text).toContain('&#60;b&#62;dash&#60;/b&#62;');
    expect(response.text).not.toContain('<b>dash</b>');
  });

  it('validates note bodies with 400 validation_failed', async () => {
    await register('validator').expect(201);
    const auth = `Bearer ${await loginToken('validator')}`;
    const response = await http()
      .post('/notes')
      .set('Authorization', auth)
      .send({ title: 42 })
      .expect(400);
    expect(response.body.error).toBe('validation_failed');
    expect(response.body.details.map((d: { field: string }) => d.field)).toEqual(['title', 'body']);
  });

  it('registered users are members: read and write notes; a key scoped to notes.read only reads', async () => {
    const registered = await register('scoped').expect(201);
    const auth = `Bearer ${await loginToken('scoped')}`;
    const created = await http()
      .post('/auth/api-keys')
      .set('Authorization', auth)
      .send({ label: 'reader', scopes: ['notes.read'] })
      .expect(201);
    await http()
      .post('/notes')
      .set('Authorization', auth)
      .send({ title: 'mine', body: '' })
      .expect(201);
    const read = await http().get('/notes').set('X-API-Key', created.body.key).expect(200);
    expect(read.body.map((note: { title: string }) => note.title)).toEqual(['mine']);
    const write = await http()
      .post('/notes')
      .set('X-API-Key', created.body.key)
      .send({ title: 'via key', body: '' });
    expect(write.status).toBe(403);
    expect(write.body.missing).toEqual(['notes.write']);
    expect(write.headers['www-authenticate']).toContain('insufficient_scope');
    expect(registered.body.id).toBeDefined();
  });

  it('answers unknown routes and missing notes with 404 not_found in the library shape', async () => {
    for (const [method, path] of [
      ['get', '/nope'],
      ['post', '/auth/nope'],
      ['delete', '/notes/1/extra'],
    ] as const) {
      const response = await http()[method](path);
      expect(response.status).toBe(404);
      expect(response.body).toEqual({
        statusCode: 404,
        error: 'not_found',
        message: expect.any(String),
      });
    }
    const finder = await register('finder').expect(201);
    await app.get(PermissionService).grantToUser(String(finder.body.id), 'notes.delete');
    const missing = await http()
      .delete('/notes/999999')
      .set('Authorization', `Bearer ${await loginToken('finder')}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ statusCode: 404, error: 'not_found', message: 'No such note.' });
  });
});
