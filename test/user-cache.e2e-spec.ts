import type { INestApplication } from '@nestjs/common';
import { User, UserCache, UserService } from 'portcullis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppModule } from '../src/app.module.js';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

describe.each(ADAPTERS)('the user cache on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  let users: UserService<User>;
  let cache: UserCache<User>;
  let tess: User;
  let lee: User;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp(
      [AppModule.forRoot({ databaseUrl: database.url, jwtSecret: TEST_JWT_SECRET })],
      adapter,
    );
    users = app.get<UserService<User>>(UserService);
    cache = app.get<UserCache<User>>(UserCache);
    tess = await users.createUser({ username: 'tess', password: 'correct horse battery' });
    lee = await users.createUser({ username: 'lee', password: 'correct horse battery' });
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await app?.close();
    await database?.drop();
  });

  it('forgets only the user whose columns a login or a deactivation changes', async () => {
    await cache.get(tess.id);
    await cache.get(lee.id);
    const reads = vi.spyOn(users, 'findById');

    await request(app.getHttpServer())
      .post('/auth/login')
      .send({ username: 'tess', password: 'correct horse battery' })
      .expect(200);
    expect((await cache.get(lee.id))?.username).toBe('lee');
    expect(reads).not.toHaveBeenCalled();
    expect((await cache.get(tess.id))?.lastLogin).toBeInstanceOf(Date);
    expect(reads).toHaveBeenCalledTimes(1);

    await users.updateColumns(lee, { isActive: false });
    expect((await cache.get(lee.id))?.isActive).toBe(false);
    expect((await cache.get(tess.id))?.username).toBe('tess');
    expect(reads).toHaveBeenCalledTimes(2);
  });

  it('forgets the right user when one change set is reused for two', async () => {
    await cache.get(tess.id);
    await cache.get(lee.id);
    const changes = { isStaff: true } as Partial<User>;
    await Promise.all([users.updateColumns(tess, changes), users.updateColumns(lee, changes)]);
    expect((await cache.get(tess.id))?.isStaff).toBe(true);
    expect((await cache.get(lee.id))?.isStaff).toBe(true);
  });
});
