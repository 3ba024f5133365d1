import {
  Controller,
  HttpCode,
  type INestApplication,
  Module,
  Post,
  UseGuards,
} from '@nestjs/common';
import { AuthModule, LoginRequiredGuard, User, UserService } from 'portcullis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';
const HOST = 'notes.example.test';
const TRUSTED = 'https://admin.example.test';

@Controller('things')
@UseGuards(LoginRequiredGuard)
class ThingsController {
  @Post()
  @HttpCode(201)
  create() {
    return { created: true };
  }
}

/** `name=value` pairs of the Set-Cookie headers, as one Cookie header. */
function cookieHeader(response: request.Response): string {
  const lines = (response.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  return lines.map((line) => line.split(';')[0]).join('; ');
}

type Sender = { origin?: string; referer?: string; host?: string; forwardedProto?: string };

/**
 * A site with browser sessions, logged in once; `post(sender)` sends a cookie-authenticated POST
 * with the given headers and answers its status and error code.
 */
function site(
  adapter: (typeof ADAPTERS)[number],
  options: Parameters<typeof AuthModule.forRoot>[0],
) {
  let app: INestApplication;
  let database: TestDatabase;
  let cookies = '';
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    database = await createTestDatabase();
    @Module({
      imports: [
        testTypeOrmModule(database.url),
        AuthModule.forRoot({
          routes: true,
          strategies: ['cookie', 'jwt'],
          jwt: { secret: TEST_JWT_SECRET },
          ...options,
        }),
      ],
      controllers: [ThingsController],
    })
    class CsrfFixture {}
    app = await createTestApp([CsrfFixture], adapter);
    await app
      .get<UserService<User>>(UserService)
      .createUser({ username: 'bea', password: PASSWORD });
    const own = options?.browserSessions?.secure === false ? `http://${HOST}` : `https://${HOST}`;
    const login = await http()
      .post('/auth/browser/login')
      .set('Host', HOST)
      .set('Origin', own)
      .type('form')
      .send({ username: 'bea', password: PASSWORD });
    expect(login.status).toBe(303);
    cookies = cookieHeader(login);
    expect(cookies).toContain('portcullis_access=');
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  return async (sender: Sender): Promise<{ status: number; error?: string }> => {
    const call = http()
      .post('/things')
      .set('Host', sender.host ?? HOST)
      .set('Cookie', cookies);
    if (sender.origin !== undefined) call.set('Origin', sender.origin);
    if (sender.referer !== undefined) call.set('Referer', sender.referer);
    if (sender.forwardedProto !== undefined) call.set('X-Forwarded-Proto', sender.forwardedProto);
    const response = await call.send({});
    return { status: response.status, error: response.body.error };
  };
}

const REFUSED = { status: 403, error: 'csrf_failed' };
const ACCEPTED = { status: 201, error: undefined };

describe.each(ADAPTERS)('CSRF: whole origins on a plain-HTTP site on %s', (adapter) => {
  const post = site(adapter, { browserSessions: { secure: false, trustedOrigins: [TRUSTED] } });

  it.each<[string, Sender]>([
    ['https on an http site', { origin: `https://${HOST}` }],
    ['another port', { origin: `http://${HOST}:8080` }],
    ['another host', { origin: 'http://evil.example' }],
    ['a subdomain', { origin: `http://sub.${HOST}` }],
    ['a parent domain', { origin: 'http://example.test' }],
    ['Origin: null', { origin: 'null' }],
    ['a malformed Origin', { origin: 'http://' }],
    ['a file: Origin', { origin: 'file:///etc/passwd' }],
    ['a Referer from https', { referer: `https://${HOST}/page` }],
    ['a Referer from another port', { referer: `http://${HOST}:81/page` }],
    ['a malformed Referer', { referer: 'not a url' }],
    ['neither Origin nor Referer', {}],
    [
      'a bad Origin with a good Referer',
      { origin: 'http://evil.example', referer: `http://${HOST}/` },
    ],
    ['a trusted origin on another port', { origin: `${TRUSTED}:8443` }],
    ['a trusted origin over http', { origin: 'http://admin.example.test' }],
    [
      'a forged X-Forwarded-Proto without trustProxy',
      { origin: `https://${HOST}`, forwardedProto: 'https' },
    ],
    [
      'a Host with a userinfo trick',
      { origin: 'http://evil.example', host: `${HOST}@evil.example` },
    ],
  ])('refuses %s', async (_label, sender) => {
    expect(await post(sender)).toEqual(REFUSED);
  });

  it.each<[string, Sender]>([
    ['its own origin', { origin: `http://${HOST}` }],
    ['its own origin with the default port', { origin: `http://${HOST}:80` }],
    ['a Host with the default port', { origin: `http://${HOST}`, host: `${HOST}:80` }],
    ['its own origin and port', { origin: `http://${HOST}:8080`, host: `${HOST}:8080` }],
    ['a same-origin Referer without Origin', { referer: `http://${HOST}/notes?x=1` }],
    ['a configured trusted origin', { origin: TRUSTED }],
  ])('accepts %s', async (_label, sender) => {
    expect(await post(sender)).toEqual(ACCEPTED);
  });
});

describe.each(ADAPTERS)('CSRF: a site behind a trusted TLS proxy on %s', (adapter) => {
  const post = site(adapter, { browserSessions: { secure: false }, trustProxy: 1 });

  it('takes the scheme from the proxy', async () => {
    expect(await post({ origin: `https://${HOST}`, forwardedProto: 'https' })).toEqual(ACCEPTED);
    expect(await post({ origin: `http://${HOST}`, forwardedProto: 'https' })).toEqual(REFUSED);
    expect(await post({ origin: `https://${HOST}`, forwardedProto: 'http' })).toEqual(REFUSED);
    expect(await post({ origin: `http://${HOST}`, forwardedProto: 'http' })).toEqual(ACCEPTED);
  });

  it("ignores the client's own entries before the proxy's", async () => {
    expect(await post({ origin: `https://${HOST}`, forwardedProto: 'https, http' })).toEqual(
      REFUSED,
    );
  });
});

describe.each(ADAPTERS)('CSRF: secure cookies mean an https site on %s', (adapter) => {
  const post = site(adapter, {});

  it('accepts https and refuses http for the same host', async () => {
    expect(await post({ origin: `https://${HOST}` })).toEqual(ACCEPTED);
    expect(await post({ origin: `https://${HOST}:443` })).toEqual(ACCEPTED);
    expect(await post({ origin: `http://${HOST}` })).toEqual(REFUSED);
    expect(await post({ origin: `https://${HOST}:8443` })).toEqual(REFUSED);
  });
});
