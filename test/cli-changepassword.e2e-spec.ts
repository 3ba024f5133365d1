import { type INestApplication, Module } from '@nestjs/common';
import { InquirerService } from 'nest-commander';
import { AuthModule, User, UserService } from 'portcullis';
import { AUTH_COMMANDS, ChangePasswordCommand, CreateSuperuserCommand } from 'portcullis/cli';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { captureOutput, withTty } from './support/cli-output.js';
import { createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const OLD_PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a brand new secret';

/**
 * The changepassword command (and createsuperuser's password rules), run in process beside the HTTP
 * routes so their effect on logins and sessions shows. The terminal prompt is a stand-in here; the
 * real one is driven in cli-prompt.e2e-spec.ts.
 */
describe('the changepassword command', () => {
  let app: INestApplication;
  let database: TestDatabase;
  let stdout: string[];
  let stderr: string[];
  const ask = vi.fn();
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    database = await createTestDatabase();
    @Module({
      imports: [
        testTypeOrmModule(database.url),
        AuthModule.forRoot({ routes: true, jwt: { secret: TEST_JWT_SECRET } }),
      ],
      providers: [...AUTH_COMMANDS, { provide: InquirerService, useValue: { ask } }],
    })
    class CliFixtureModule {}
    app = await createTestApp([CliFixtureModule], 'express');
    const users = app.get<UserService<User>>(UserService);
    await users.createUser({
      username: 'Alice',
      email: 'alice@example.com',
      password: OLD_PASSWORD,
    });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  afterEach(() => {
    vi.restoreAllMocks();
    ask.mockReset();
    process.exitCode = undefined;
    delete process.env.PORTCULLIS_PASSWORD;
    delete process.env.PORTCULLIS_SUPERUSER_PASSWORD;
  });

  async function run(command: 'changepassword' | 'createsuperuser', flags: object) {
    ({ stdout, stderr } = captureOutput());
    try {
      const runner =
        command === 'changepassword'
          ? app.get(ChangePasswordCommand)
          : app.get(CreateSuperuserCommand);
      await runner.run([], flags);
    } finally {
      vi.restoreAllMocks();
    }
  }

  function failed(reason: string) {
    expect(process.exitCode).toBe(1);
    expect(stdout).toEqual([]);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toContain(reason);
    expect(stderr[0].trim().split('\n')).toHaveLength(1);
  }

  const login = (username: string, password: string) =>
    http().post('/auth/login').send({ username, password });

  it('--no-input: sets the password from PORTCULLIS_PASSWORD and ends every session', async () => {
    const first = (await login('alice', OLD_PASSWORD).expect(200)).body;
    const second = (await login('alice', OLD_PASSWORD).expect(200)).body;

    process.env.PORTCULLIS_PASSWORD = NEW_PASSWORD;
    await run('changepassword', { username: 'ALICE', input: false });
    expect(process.exitCode).toBeUndefined();
    expect(stdout).toEqual([]);
    expect(stderr).toEqual(['Changed the password of alice; all of their sessions have ended.\n']);

    await login('alice', OLD_PASSWORD).expect(401);
    for (const session of [first, second]) {
      const me = await http()
        .get('/auth/me')
        .set('Authorization', `Bearer ${session.access_token}`);
      expect(me.status).toBe(401);
      expect(me.body.error).toBe('token_revoked');
      const refreshed = await http()
        .post('/auth/refresh')
        .send({ refresh_token: session.refresh_token });
      expect(refreshed.status).toBe(401);
      expect(refreshed.body.error).toBe('invalid_grant');
    }
    await login('alice', NEW_PASSWORD).expect(200);
  });

  it('asks for the new password twice on a terminal', async () => {
    ask.mockResolvedValue({ password: OLD_PASSWORD, confirmation: OLD_PASSWORD });
    await withTty(true, () => run('changepassword', { username: 'alice' }));
    expect(ask).toHaveBeenCalledWith('portcullis-password', undefined);
    expect(process.exitCode).toBeUndefined();
    expect(stderr).toEqual([
      'Changing the password of alice.\n',
      'Changed the password of alice; all of their sessions have ended.\n',
    ]);
    await login('alice', OLD_PASSWORD).expect(200);
  });

  it('fails when the two answers differ, and changes nothing', async () => {
    ask.mockResolvedValue({ password: NEW_PASSWORD, confirmation: 'a brand new secreT' });
    await withTty(true, () => run('changepassword', { username: 'alice' }));
    expect(process.exitCode).toBe(1);
    expect(stderr).toEqual([
      'Changing the password of alice.\n',
      'changepassword: the passwords differ\n',
    ]);
    await login('alice', OLD_PASSWORD).expect(200);
  });

  it('refuses a weak password with every broken rule on one line, and changes nothing', async () => {
    process.env.PORTCULLIS_PASSWORD = 'alice!?';
    await run('changepassword', { username: 'alice', input: false });
    failed(
      'changepassword: This password is too short: use at least 8 characters. This password is too similar to your username',
    );
    await login('alice', OLD_PASSWORD).expect(200);
  });

  it.each([
    [{ input: false }, NEW_PASSWORD, '--username is required'],
    [{ username: 'nobody', input: false }, NEW_PASSWORD, 'changepassword: no user nobody'],
    [{ username: 'nobody' }, undefined, 'changepassword: no user nobody'],
    [{ username: 'alice', input: false }, undefined, '--no-input needs the new password in'],
    [{ username: 'alice' }, undefined, 'no terminal to ask for the password on: use --no-input'],
  ])('fails with exit code 1 and a one-line reason: %o', async (flags, password, reason) => {
    if (password !== undefined) process.env.PORTCULLIS_PASSWORD = password;
    await run('changepassword', flags);
    failed(reason);
    expect(ask).not.toHaveBeenCalled();
  });

  it('createsuperuser holds the password to the same rules', async () => {
    process.env.PORTCULLIS_SUPERUSER_PASSWORD = '12345678';
    await run('createsuperuser', { username: 'root', input: false });
    failed(
      'createsuperuser: This password is too common: it is among the first an attacker would try. Choose something less predictable. This password is entirely numeric: add letters or symbols.',
    );
    const users = app.get<UserService<User>>(UserService);
    expect(await users.findByHandle('root')).toBeNull();
  });

  it('createsuperuser says an account exists before asking for a password', async () => {
    await withTty(true, () => run('createsuperuser', { username: 'alice' }));
    failed('createsuperuser: a user alice already exists');
    expect(ask).not.toHaveBeenCalled();
  });
});
