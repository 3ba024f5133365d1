import type { INestApplication } from '@nestjs/common';
import { ApiKey, ApiKeyService, AuthModule, User, UserService } from 'portcullis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createDurableTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const OLD = { id: 'old', secret: 'the-old-api-key-pepper-of-at-least-32-bytes' };
const NEW = { id: 'new', secret: 'the-new-api-key-pepper-of-at-least-32-bytes' };

describe('API key pepper rotation', () => {
  let url: string;
  let database: TestDatabase | undefined;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    database = await createDurableTestDatabase();
    url = database.url;
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  async function start(pepper: Array<{ id: string; secret: string }>): Promise<INestApplication> {
    await app?.close();
    app = await createTestApp(
      [
        testTypeOrmModule(url),
        AuthModule.forRoot({ routes: true, jwt: { secret: TEST_JWT_SECRET }, apiKeys: { pepper } }),
      ],
      'express',
    );
    return app;
  }

  it('keys made under a retired pepper verify while it is listed, and fail once it is removed', async () => {
    const first = await start([OLD]);
    const owner = await first
      .get<UserService<User>>(UserService)
      .createUser({ username: 'pepper', password: null });
    const oldKey = (
      await first
        .get<ApiKeyService<User>>(ApiKeyService)
        .createKey(String(owner.id), { label: 'old' })
    ).key;
    await request(first.getHttpServer()).get('/auth/me').set('X-API-Key', oldKey).expect(200);

    const rotated = await start([NEW, OLD]);
    await request(rotated.getHttpServer()).get('/auth/me').set('X-API-Key', oldKey).expect(200);
    const created = await rotated
      .get<ApiKeyService<User>>(ApiKeyService)
      .createKey(String(owner.id), { label: 'new' });
    const rows = rotated.get(DataSource).getRepository(ApiKey);
    expect((await rows.findOneByOrFail({ id: created.record.id })).pepperId).toBe('new');

    const retired = await start([NEW]);
    const refused = await request(retired.getHttpServer()).get('/auth/me').set('X-API-Key', oldKey);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_token');
    await request(retired.getHttpServer())
      .get('/auth/me')
      .set('X-API-Key', created.key)
      .expect(200);
  });
});
