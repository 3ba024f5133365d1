import { Controller, Get, type INestApplication, Module, UseGuards } from '@nestjs/common';
import {
  ApiKeyService,
  AuthModule,
  LoginRequiredGuard,
  OptionalAuth,
  Permissions,
  PermissionService,
  User,
  UserService,
} from 'portcullis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';
const REALM = 'notes-api';

@Controller('things')
@UseGuards(LoginRequiredGuard)
class ThingsController {
  @Get()
  list() {
    return [];
  }

  @Get('maybe')
  @OptionalAuth()
  maybe() {
    return { ok: true };
  }

  @Get('writable')
  @Permissions('notes.write')
  writable() {
    return { ok: true };
  }
}

/** The auth-params of a `WWW-Authenticate` challenge of `scheme` (RFC 9110 section 11.6.1). */
function challengeParams(header: string | undefined, scheme: string): Record<string, string> {
  expect(header).toBeDefined();
  const start = header!.toLowerCase().indexOf(`${scheme.toLowerCase()} `);
  expect(start).toBeGreaterThanOrEqual(0);
  const params: Record<string, string> = {};
  const pattern = /\s*([A-Za-z_]+)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  pattern.lastIndex = start + scheme.length + 1;
  for (let match = pattern.exec(header!); match; match = pattern.exec(header!)) {
    params[match[1]] = match[2].replace(/\\(.)/g, '$1');
  }
  return params;
}

describe.each(ADAPTERS)('WWW-Authenticate and malformed Bearer values on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  let access: string;
  let scopedKey: string;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    database = await createTestDatabase();
    @Module({
      imports: [
        testTypeOrmModule(database.url),
        AuthModule.forRoot({
          routes: true,
          realm: REALM,
          strategies: ['jwt', 'api-key', 'basic'],
          jwt: { secret: TEST_JWT_SECRET },
        }),
      ],
      controllers: [ThingsController],
    })
    class ChallengeFixture {}
    app = await createTestApp([ChallengeFixture], adapter);
    const bea = await app
      .get<UserService<User>>(UserService)
      .createUser({ username: 'bea', password: PASSWORD });
    await app.get(PermissionService).grantToUser(String(bea.id), 'notes.write');
    await app.get(PermissionService).grantToUser(String(bea.id), 'notes.read');
    const login = await http()
      .post('/auth/login')
      .send({ username: 'bea', password: PASSWORD })
      .expect(200);
    access = login.body.access_token;
    scopedKey = (
      await app
        .get(ApiKeyService)
        .createKey(String(bea.id), { label: 'reader', scopes: ['notes.read'] })
    ).key;
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  const MALFORMED: Array<[string, () => string]> = [
    ['no token', () => 'Bearer'],
    ['blanks only', () => 'Bearer   '],
    ['two tokens', () => 'Bearer a b'],
    ['a JWT and a second token', () => `Bearer ${access} x`],
    ['an API key and a second token', () => `Bearer ${scopedKey} x`],
    ['a tab instead of a space', () => `Bearer\t${access}`],
    ['a character outside b64token', () => 'Bearer abc!def'],
    ['a quote', () => 'Bearer abc"def'],
    ['a comma', () => `Bearer ${access},x`],
    ['padding before the end', () => 'Bearer ab=cd'],
    ['an API key with a bad character', () => `Bearer ${scopedKey.slice(0, -1)}!`],
  ];

  it.each(MALFORMED)(
    'a Bearer value with %s is 400 invalid_request, on guarded and optional routes',
    async (_label, header) => {
      for (const path of ['/things', '/things/maybe', '/auth/me']) {
        const response = await http().get(path).set('Authorization', header());
        expect(response.status).toBe(400);
        expect(response.body).toEqual({
          statusCode: 400,
          error: 'invalid_request',
          message: expect.any(String),
        });
        const params = challengeParams(response.headers['www-authenticate'], 'Bearer');
        expect(params.realm).toBe(REALM);
        expect(params.error).toBe('invalid_request');
      }
    },
  );

  it('still accepts well-formed JWTs and API keys, in any case of the scheme', async () => {
    await http().get('/things').set('Authorization', `Bearer ${access}`).expect(200);
    await http().get('/things').set('Authorization', `bearer ${access}`).expect(200);
    await http().get('/things').set('Authorization', `Bearer ${scopedKey}`).expect(200);
    await http().get('/things/maybe').expect(200);
  });

  it('a well-formed token that is no good stays 401 invalid_token', async () => {
    for (const token of ['abc.def.ghi', 'YWJj~+/def==']) {
      const response = await http().get('/things').set('Authorization', `Bearer ${token}`);
      expect(response.status).toBe(401);
      expect(response.body.error).toBe('invalid_token');
      const params = challengeParams(response.headers['www-authenticate'], 'Bearer');
      expect(params).toMatchObject({ realm: REALM, error: 'invalid_token' });
    }
  });

  it('every 401 carries a challenge with the realm', async () => {
    const answers = [
      await http().get('/things'),
      await http().get('/auth/me').set('Authorization', 'Basic Ym9iOndyb25n'),
      await http().post('/auth/login').send({ username: 'bea', password: 'wrong' }),
      await http().post('/auth/login').set('Authorization', 'Basic YmVhOndyb25n'),
      await http().post('/auth/refresh').send({ refresh_token: 'not-a-token' }),
      await http().post('/auth/refresh').send({ refresh_token: access }),
      await http()
        .post('/auth/change-password')
        .set('Authorization', `Bearer ${access}`)
        .send({ current_password: 'wrong', new_password: 'another good passphrase' }),
    ];
    for (const response of answers) {
      expect(response.status).toBe(401);
      const header = response.headers['www-authenticate'] as string;
      const scheme = /^basic/i.test(header) ? 'Basic' : 'Bearer';
      expect(challengeParams(header, scheme).realm).toBe(REALM);
    }
  });

  it('a refused refresh token is 401 invalid_grant with a Bearer invalid_token challenge', async () => {
    const other = await http()
      .post('/auth/login')
      .send({ username: 'bea', password: PASSWORD })
      .expect(200);
    await http()
      .post('/auth/logout')
      .set('Authorization', `Bearer ${other.body.access_token}`)
      .expect(204);
    const replayed = await http()
      .post('/auth/refresh')
      .send({ refresh_token: other.body.refresh_token });
    expect(replayed.status).toBe(401);
    expect(replayed.body.error).toBe('invalid_grant');
    const params = challengeParams(replayed.headers['www-authenticate'], 'Bearer');
    expect(params).toMatchObject({ realm: REALM, error: 'invalid_token' });
    expect(params.error_description).toBe(replayed.body.message);
  });

  it('insufficient_scope carries the realm and the scope lacking', async () => {
    const response = await http().get('/things/writable').set('X-API-Key', scopedKey);
    expect(response.status).toBe(403);
    expect(response.body.error).toBe('insufficient_permissions');
    const params = challengeParams(response.headers['www-authenticate'], 'Bearer');
    expect(params).toEqual({ realm: REALM, error: 'insufficient_scope', scope: 'notes.write' });
  });
});
