import { Body, Controller, type INestApplication, Module, Post } from '@nestjs/common';
import { AuthModule, LogMailer, Public, User, UserService } from 'portcullis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';
const HOST = 'app.example.test';

/** Every library route that reads a body, and who may call it. */
const BODY_ROUTES: Array<[path: string, caller: 'anonymous' | 'root' | 'browser']> = [
  ['/auth/register', 'anonymous'],
  ['/auth/login', 'anonymous'],
  ['/auth/refresh', 'anonymous'],
  ['/auth/change-password', 'root'],
  ['/auth/api-keys', 'root'],
  ['/auth/admin/groups', 'root'],
  ['/auth/admin/groups/member/permissions', 'root'],
  ['/auth/admin/users/1/permissions', 'root'],
  ['/auth/admin/users/1/groups', 'root'],
  ['/auth/browser/login', 'browser'],
  ['/auth/password/forgot', 'anonymous'],
  ['/auth/password/reset', 'anonymous'],
  ['/auth/email/verify', 'anonymous'],
  ['/auth/email/change', 'root'],
  ['/auth/email/change/confirm', 'anonymous'],
  ['/auth/magic-link', 'anonymous'],
  ['/auth/magic-link/verify', 'anonymous'],
  ['/auth/browser/magic-link', 'browser'],
];

/** Bodies no route can use: malformed JSON, JSON that is not an object, and other media types. */
const BAD_BODIES: Array<[label: string, contentType: string, body: string]> = [
  ['malformed JSON', 'application/json', '{"username": "root",'],
  ['truncated JSON', 'application/json', '{'],
  ['a JSON string', 'application/json', '"x"'],
  ['a JSON number', 'application/json', '42'],
  ['a JSON array', 'application/json', '[]'],
  ['JSON null', 'application/json', 'null'],
  ['an empty JSON body', 'application/json', ''],
  ['text/plain', 'text/plain', 'username=root&password=x'],
  ['application/xml', 'application/xml', '<login><username>root</username></login>'],
  ['an unknown charset', 'application/json; charset=klingon', '{}'],
];

const CASES = BODY_ROUTES.flatMap(([path, caller]) =>
  BAD_BODIES.map(([label, contentType, body]) => ({ path, caller, label, contentType, body })),
);

/** An app route beside the library's: its body errors are the app's business. */
@Controller('echo')
class EchoController {
  @Post()
  @Public()
  echo(@Body() body: unknown) {
    return { body };
  }
}

describe.each(ADAPTERS)('request bodies on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  let rootToken: string;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    database = await createTestDatabase();
    @Module({
      imports: [
        testTypeOrmModule(database.url),
        AuthModule.forRoot({
          routes: true,
          adminRoutes: true,
          strategies: ['jwt', 'api-key', 'cookie', 'basic'],
          browserSessions: { secure: false },
          jwt: { secret: TEST_JWT_SECRET },
          passwordReset: true,
          emailVerification: true,
          emailChange: true,
          magicLink: true,
          mail: { transport: new LogMailer(), from: 'no-reply@test', appUrl: `http://${HOST}` },
        }),
      ],
      controllers: [EchoController],
    })
    class BodiesFixture {}
    app = await createTestApp([BodiesFixture], adapter);
    await app
      .get<UserService<User>>(UserService)
      .createUser({ username: 'root', password: PASSWORD, isSuperuser: true, isStaff: true });
    const login = await http()
      .post('/auth/login')
      .send({ username: 'root', password: PASSWORD })
      .expect(200);
    rootToken = login.body.access_token;
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it.each(CASES)('$path with $label: 400 validation_failed', async (c) => {
    const call = http().post(c.path).set('Content-Type', c.contentType);
    if (c.caller === 'root') call.set('Authorization', `Bearer ${rootToken}`);
    if (c.caller === 'browser') call.set('Host', HOST).set('Origin', `http://${HOST}`);
    const response = await call.send(c.body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'validation_failed' });
    expect(typeof response.body.message).toBe('string');
    expect(JSON.stringify(response.body)).not.toMatch(
      /stack|at .*\(|node_modules|SyntaxError|FST_/,
    );
  });

  it('still takes a login as JSON and as a form', async () => {
    await http().post('/auth/login').send({ username: 'root', password: PASSWORD }).expect(200);
    await http()
      .post('/auth/login')
      .type('form')
      .send({ username: 'root', password: PASSWORD })
      .expect(200);
    const browser = await http()
      .post('/auth/browser/login')
      .set('Host', HOST)
      .set('Origin', `http://${HOST}`)
      .type('form')
      .send({ username: 'root', password: PASSWORD });
    expect(browser.status).toBe(303);
    expect(browser.headers.location).toBe('/');
  });

  it("leaves the app's own routes to the adapter's answer", async () => {
    const response = await http()
      .post('/echo')
      .set('Content-Type', 'application/json')
      .send('{"a":');
    expect(response.status).toBe(400);
    expect(response.body.error).not.toBe('validation_failed');
  });
});
