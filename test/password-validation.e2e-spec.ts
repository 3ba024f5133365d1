import type { INestApplication } from '@nestjs/common';
import {
  AuthModule,
  type AuthModuleOptions,
  defaultPasswordValidators,
  PasswordHasher,
  type PasswordValidator,
  User,
} from 'portcullis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const STRONG = 'correct horse battery';

/** Not a password rule anyone should ship; a stand-in for an application's own. */
const NO_SITE_NAME: PasswordValidator = {
  rule: 'site_name',
  validate: (password) =>
    /portcullis/i.test(password)
      ? 'This password contains the name of this site: leave it out.'
      : null,
};

async function startApp(adapter: (typeof ADAPTERS)[number], options: AuthModuleOptions = {}) {
  const database = await createTestDatabase();
  const app = await createTestApp(
    [
      testTypeOrmModule(database.url),
      AuthModule.forRoot({ routes: true, jwt: { secret: TEST_JWT_SECRET }, ...options }),
    ],
    adapter,
  );
  return { app, database };
}

describe.each(ADAPTERS)('password rules on %s', (adapter) => {
  describe('with the default validators', () => {
    let app: INestApplication;
    let database: TestDatabase;
    const http = () => request(app.getHttpServer());
    const userCount = (username: string) =>
      app.get(DataSource).getRepository(User).countBy({ username });

    beforeAll(async () => ({ app, database } = await startApp(adapter)));

    afterAll(async () => {
      await app?.close();
      await database?.drop();
    });

    it('register lists every rule a password breaks in one 400, and creates no user', async () => {
      const hash = vi.spyOn(app.get(PasswordHasher), 'hash');
      const response = await http()
        .post('/auth/register')
        .send({ username: 'user12345', email: 'someone@example.com', password: '12345' });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        statusCode: 400,
        error: 'invalid_password',
        message: expect.stringContaining('This password is too short'),
        details: [
          {
            field: 'password',
            rule: 'minimum_length',
            message: 'This password is too short: use at least 8 characters.',
          },
          {
            field: 'password',
            rule: 'common',
            message: expect.stringContaining('This password is too common'),
          },
          {
            field: 'password',
            rule: 'user_attribute_similarity',
            message: expect.stringContaining('too similar to your username'),
          },
          {
            field: 'password',
            rule: 'numeric',
            message: 'This password is entirely numeric: add letters or symbols.',
          },
        ],
      });
      expect(response.body.message).toBe(
        response.body.details.map((d: { message: string }) => d.message).join(' '),
      );
      expect(hash).not.toHaveBeenCalled();
      expect(await userCount('user12345')).toBe(0);
      hash.mockRestore();
    });

    it('holds the password to the email address too', async () => {
      const response = await http().post('/auth/register').send({
        username: 'frank',
        email: 'sunflower.fields@example.com',
        password: 'sunflowerfields',
      });
      expect(response.status).toBe(400);
      expect(response.body.details).toEqual([
        {
          field: 'password',
          rule: 'user_attribute_similarity',
          message: expect.stringContaining('too similar to your email address'),
        },
      ]);
    });

    it('lists a password over 1024 bytes among the other broken rules', async () => {
      const response = await http()
        .post('/auth/register')
        .send({ username: 'longdigits', password: '1'.repeat(1025) });
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_password');
      expect(response.body.details.map((d: { rule: string }) => d.rule)).toEqual([
        'maximum_length',
        'numeric',
      ]);
      expect(response.body.details[0].message).toContain('at most 1024 bytes');
    });

    it('reports a malformed body first (validation_failed), then the password rules', async () => {
      const malformed = await http()
        .post('/auth/register')
        .send({ username: 'gina', email: 'not-an-email', password: '12345' });
      expect(malformed.status).toBe(400);
      expect(malformed.body.error).toBe('validation_failed');
      expect(malformed.body.details).toEqual([{ field: 'email', message: expect.any(String) }]);

      const weak = await http()
        .post('/auth/register')
        .send({ username: 'gina', email: 'gina@example.com', password: '12345' });
      expect(weak.status).toBe(400);
      expect(weak.body.error).toBe('invalid_password');
      expect(await userCount('gina')).toBe(0);
    });

    it('register accepts a password that passes every rule', async () => {
      const response = await http()
        .post('/auth/register')
        .send({ username: 'hana', email: 'hana@example.com', password: STRONG });
      expect(response.status).toBe(201);
      await http().post('/auth/login').send({ username: 'hana', password: STRONG }).expect(200);
    });

    describe('change-password', () => {
      let auth: string;
      let otherSession: string;

      beforeAll(async () => {
        await http()
          .post('/auth/register')
          .send({ username: 'dave', email: 'dave@example.com', password: STRONG })
          .expect(201);
        const login = () =>
          http().post('/auth/login').send({ username: 'dave', password: STRONG }).expect(200);
        auth = `Bearer ${(await login()).body.access_token}`;
        otherSession = `Bearer ${(await login()).body.access_token}`;
      });

      const change = (body: object) =>
        http().post('/auth/change-password').set('Authorization', auth).send(body);

      it('checks the current password before the rules: wrong and weak is a 401', async () => {
        const response = await change({ current_password: 'not it at all', new_password: '12345' });
        expect(response.status).toBe(401);
        expect(response.body.error).toBe('invalid_credentials');
      });

      it('lists every rule the new password breaks, under new_password, and changes nothing', async () => {
        const response = await change({ current_password: STRONG, new_password: 'dave12' });
        expect(response.status).toBe(400);
        expect(response.body.error).toBe('invalid_password');
        expect(response.body.details).toEqual([
          { field: 'new_password', rule: 'minimum_length', message: expect.any(String) },
          {
            field: 'new_password',
            rule: 'user_attribute_similarity',
            message: expect.stringContaining('too similar to your username'),
          },
        ]);
        const tooLong = await change({ current_password: STRONG, new_password: 'x'.repeat(1025) });
        expect(tooLong.status).toBe(400);
        expect(tooLong.body.details.map((d: { rule: string }) => d.rule)).toEqual([
          'maximum_length',
        ]);
        await http().post('/auth/login').send({ username: 'dave', password: STRONG }).expect(200);
        await http().get('/auth/me').set('Authorization', otherSession).expect(200);
      });

      it('accepts a new password that passes every rule', async () => {
        await change({ current_password: STRONG, new_password: 'a brand new secret' }).expect(204);
        await http()
          .post('/auth/login')
          .send({ username: 'dave', password: 'a brand new secret' })
          .expect(200);
        await http().post('/auth/login').send({ username: 'dave', password: STRONG }).expect(401);
      });
    });
  });

  describe('with passwordValidators: []', () => {
    let app: INestApplication;
    let database: TestDatabase;
    const http = () => request(app.getHttpServer());

    beforeAll(
      async () => ({ app, database } = await startApp(adapter, { passwordValidators: [] })),
    );

    afterAll(async () => {
      await app?.close();
      await database?.drop();
    });

    it('accepts a weak password', async () => {
      await http().post('/auth/register').send({ username: 'ivan', password: '1' }).expect(201);
      await http().post('/auth/login').send({ username: 'ivan', password: '1' }).expect(200);
    });

    it('still refuses a password over maxPasswordBytes, as validation_failed', async () => {
      const response = await http()
        .post('/auth/register')
        .send({ username: 'jane', password: 'x'.repeat(1025) });
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('validation_failed');
    });
  });

  describe('with a validator of the application', () => {
    let app: INestApplication;
    let database: TestDatabase;
    const http = () => request(app.getHttpServer());

    beforeAll(
      async () =>
        ({ app, database } = await startApp(adapter, {
          passwordValidators: [...defaultPasswordValidators(), NO_SITE_NAME],
        })),
    );

    afterAll(async () => {
      await app?.close();
      await database?.drop();
    });

    it('runs it with the built-ins and lists its failure', async () => {
      const response = await http()
        .post('/auth/register')
        .send({ username: 'portcullis-fan', password: 'Portcullis' });
      expect(response.status).toBe(400);
      expect(response.body.details).toEqual([
        { field: 'password', rule: 'user_attribute_similarity', message: expect.any(String) },
        {
          field: 'password',
          rule: 'site_name',
          message: 'This password contains the name of this site: leave it out.',
        },
      ]);
      const own = await http()
        .post('/auth/register')
        .send({ username: 'kim', password: 'I love Portcullis gates' });
      expect(own.body.details.map((d: { rule: string }) => d.rule)).toEqual(['site_name']);
      await http().post('/auth/register').send({ username: 'kim', password: STRONG }).expect(201);
    });
  });
});
