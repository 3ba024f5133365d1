import type { INestApplication } from '@nestjs/common';
import { AuthModule, User, UserService } from 'portcullis';
import { CreateApiKeyCommand } from 'portcullis/cli';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { captureOutput } from './support/cli-output.js';
import { createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

describe('the create-api-key command', () => {
  let app: INestApplication;
  let database: TestDatabase;
  let command: CreateApiKeyCommand;
  let stdout: string[];
  let stderr: string[];

  beforeAll(async () => {
    database = await createTestDatabase();
    const { Module } = await import('@nestjs/common');
    @Module({
      imports: [
        testTypeOrmModule(database.url),
        AuthModule.forRoot({ routes: true, jwt: { secret: TEST_JWT_SECRET } }),
      ],
      providers: [CreateApiKeyCommand],
    })
    class CliFixtureModule {}
    app = await createTestApp([CliFixtureModule], 'express');
    command = app.get(CreateApiKeyCommand);
    await app.get<UserService<User>>(UserService).createUser({ username: 'Alice', password: null });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  async function run(flags: Record<string, unknown>) {
    ({ stdout, stderr } = captureOutput());
    await command.run([], flags);
    vi.restoreAllMocks();
  }

  it('prints a working key once, on standard output only', async () => {
    const scopes = command.parseScopes('notes.write', command.parseScopes('notes.read'));
    await run({ username: 'alice', label: 'ci', scopes, expiresIn: command.parseExpiresIn('30d') });
    expect(process.exitCode).toBeUndefined();
    expect(stdout).toHaveLength(1);
    const key = stdout[0].trim();
    expect(key).toMatch(/^pcs_[0-9A-Za-z]{12}_[0-9A-Za-z]{49}$/);
    expect(stderr.join('')).not.toContain(key.slice(17));
    const me = await request(app.getHttpServer()).get('/auth/me').set('X-API-Key', key);
    expect(me.status).toBe(200);
    expect(me.body.username).toBe('alice');
  });

  it.each([
    [{ label: 'ci' }, '--username is required'],
    [{ username: 'alice' }, '--label is required'],
    [{ username: 'nobody', label: 'ci' }, 'no user nobody'],
    [{ username: 'alice', label: 'ci', scopes: ['Not A Scope'] }, 'is not a permission codename'],
    [{ username: 'alice', label: 'ci', expiresIn: Number.NaN }, '--expires-in must look like'],
  ])('fails with exit code 1 and a one-line reason: %o', async (flags, reason) => {
    await run(flags);
    expect(process.exitCode).toBe(1);
    expect(stdout).toEqual([]);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toContain(reason);
    expect(stderr[0].trim().split('\n')).toHaveLength(1);
  });

  it('parses durations', () => {
    expect(command.parseExpiresIn('12h')).toBe(43_200);
    expect(command.parseExpiresIn('2w')).toBe(1_209_600);
    expect(command.parseExpiresIn('3y')).toBeNaN();
    expect(command.parseExpiresIn('0d')).toBeNaN();
  });
});
