import type { INestApplication } from '@nestjs/common';
import { PermissionService, User, UserService } from 'portcullis';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppModule } from '../../src/app.module.js';
import { createTestApp, TEST_JWT_SECRET } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const PASSWORD = 'correct horse battery staple';

/**
 * A registration writes the user and their default-group memberships in one transaction: a connection
 * lost after the user row and before the memberships leaves neither behind. (Embedded SQLite has one
 * connection and nothing to lose half-way, so this runs on the server databases.)
 */
describe.each(['postgres', 'mariadb'] as const)('registration atomicity on %s', (kind) => {
  let app: INestApplication;
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    app = await createTestApp(
      [AppModule.forRoot({ databaseUrl: database.url, jwtSecret: TEST_JWT_SECRET })],
      'fastify',
    );
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('answers 503 and keeps no user when the membership insert loses its connection', async () => {
    const permissions = app.get(PermissionService);
    vi.spyOn(permissions, 'addToGroup').mockRejectedValueOnce(
      Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' }),
    );
    const response = await request(app.getHttpServer())
      .post('/auth/register')
      .send({ username: 'halfway', password: PASSWORD });
    expect(response.status).toBe(503);
    expect(response.body.error).toBe('service_unavailable');
    const users = app.get<UserService<User>>(UserService);
    expect(await users.findByHandle('halfway')).toBeNull();

    const again = await request(app.getHttpServer())
      .post('/auth/register')
      .send({ username: 'halfway', password: PASSWORD });
    expect(again.status).toBe(201);
    expect(await permissions.groupsOf(String(again.body.id))).toEqual(['member']);
  });
});
