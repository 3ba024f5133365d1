import { Controller, Get, type INestApplication, Module, NotFoundException } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuthModule, ServiceUnavailableFilter, User, UserCache, UserService } from 'portcullis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery staple';
const SERVICE_UNAVAILABLE = {
  statusCode: 503,
  error: 'service_unavailable',
  message: expect.any(String),
};

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
}

@Controller('outage')
class OutageController {
  @Get('database')
  database(): never {
    throw refused();
  }

  @Get('bug')
  bug(): never {
    throw new TypeError("Cannot read properties of undefined (reading 'id')");
  }

  @Get('missing')
  missing(): never {
    throw new NotFoundException('No such thing.');
  }
}

@Module({
  controllers: [OutageController],
  providers: [{ provide: APP_FILTER, useClass: ServiceUnavailableFilter }],
})
class OutageModule {}

/**
 * Outage answers without a real outage (the `faults` project cuts real connections): a store that
 * throws a connection error, on both adapters.
 */
describe.each(ADAPTERS)('outage answers on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp(
      [
        testTypeOrmModule(database.url),
        AuthModule.forRoot({ routes: true, jwt: { secret: TEST_JWT_SECRET } }),
        OutageModule,
      ],
      adapter,
    );
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('ServiceUnavailableFilter answers an outage error 503 without its message', async () => {
    const answer = await http().get('/outage/database').expect(503);
    expect(answer.body).toEqual(SERVICE_UNAVAILABLE);
    expect(answer.text).not.toContain('ECONNREFUSED');
  });

  it('ServiceUnavailableFilter leaves other errors to Nest', async () => {
    expect((await http().get('/outage/bug').expect(500)).body).toEqual({
      statusCode: 500,
      message: 'Internal server error',
    });
    expect((await http().get('/outage/missing').expect(404)).body).toMatchObject({
      statusCode: 404,
      message: 'No such thing.',
    });
  });

  it('a guard whose strategy cannot reach the database answers 503, and 200 once it can', async () => {
    await app
      .get<UserService<User>>(UserService)
      .createUser({ username: `dora-${adapter}`, password: PASSWORD });
    const login = await http()
      .post('/auth/login')
      .send({ username: `dora-${adapter}`, password: PASSWORD })
      .expect(200);
    const token = (login.body as { access_token: string }).access_token;
    const cache = app.get(UserCache);
    const get = cache.get.bind(cache);
    cache.get = () => Promise.reject(refused());
    try {
      const answer = await http().get('/auth/me').set('Authorization', `Bearer ${token}`);
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual(SERVICE_UNAVAILABLE);
      expect(answer.headers['www-authenticate']).toBeUndefined();
    } finally {
      cache.get = get;
    }
    await http().get('/auth/me').set('Authorization', `Bearer ${token}`).expect(200);
  });
});
