import { Controller, Get, Module, Req, UseGuards, type INestApplication } from '@nestjs/common';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import { createHmac, randomUUID } from 'node:crypto';
import { ExtractJwt } from 'passport-jwt';
import {
  ApiKeyService,
  AuthModule,
  LoginRequiredGuard,
  User,
  UserService,
  type AuthModuleForRootOptions,
} from 'portcullis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookiesFrom } from './support/set-cookies.js';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET, type AdapterName } from './support/test-app.js';
import { testTypeOrmModule } from './support/test-database.js';

const PASSWORD = 'correct horse battery';

/** What a guarded route answers: who the guard let in, and how. */
function caller(request: { user?: unknown; authInfo?: unknown }) {
  return { id: (request.user as User).id, authInfo: request.authInfo };
}

/** The same answer behind Portcullis' guard and behind `@nestjs/passport`'s `AuthGuard`. */
@Controller('compare')
class CompareController {
  @Get('portcullis')
  @UseGuards(LoginRequiredGuard)
  portcullis(@Req() request: object) {
    return caller(request);
  }

  @Get('passport-jwt')
  @UseGuards(PassportAuthGuard('portcullis-jwt'))
  passportJwt(@Req() request: object) {
    return caller(request);
  }

  @Get('passport-api-key')
  @UseGuards(PassportAuthGuard('portcullis-api-key'))
  passportApiKey(@Req() request: object) {
    return caller(request);
  }

  @Get('passport-cookie')
  @UseGuards(PassportAuthGuard('portcullis-cookie'))
  passportCookie(@Req() request: object) {
    return caller(request);
  }

  @Get('passport-bearer')
  @UseGuards(PassportAuthGuard(['portcullis-jwt', 'portcullis-api-key']))
  passportBearer(@Req() request: object) {
    return caller(request);
  }
}

async function startFixture(adapter: AdapterName, options: AuthModuleForRootOptions) {
  @Module({
    imports: [testTypeOrmModule('sqlite::memory:'), AuthModule.forRoot(options)],
    controllers: [CompareController],
  })
  class PassportGuardsFixture {}
  return createTestApp([PassportGuardsFixture], adapter);
}

type Answer = { status: number; body: unknown; challenge: string | undefined };

async function answer(
  app: INestApplication,
  path: string,
  headers: Record<string, string>,
): Promise<Answer> {
  let call = request(app.getHttpServer()).get(path);
  for (const [name, value] of Object.entries(headers)) call = call.set(name, value);
  const response = await call;
  return {
    status: response.status,
    body: response.body as unknown,
    challenge: response.headers['www-authenticate'] as string | undefined,
  };
}

/** A compact JWS over `claims` with `header`, signed HS256 with `secret` (or with `signature`). */
function minted(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
  secret = TEST_JWT_SECRET,
  algorithm = 'sha256',
): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  if (header.alg === 'none') return `${input}.`;
  return `${input}.${createHmac(algorithm, secret).update(input).digest('base64url')}`;
}

/**
 * `@nestjs/passport`'s `AuthGuard('portcullis-jwt')` (and `-api-key`, and both in a Passport chain)
 * must decide every request as Portcullis' own guard does: each request below is sent both ways and
 * must get the same status, body and `WWW-Authenticate` challenge.
 */
describe.each(ADAPTERS)(
  'AuthGuard from @nestjs/passport against Portcullis’ guard on %s',
  (adapter) => {
    let app: INestApplication;
    const credentials: Record<string, string> = {};
    let claims: Record<string, unknown>;

    async function login(username: string): Promise<string> {
      const response = await request(app.getHttpServer())
        .post('/auth/login')
        .send({ username, password: PASSWORD })
        .expect(200);
      return response.body.access_token as string;
    }

    beforeAll(async () => {
      app = await startFixture(adapter, {
        routes: true,
        strategies: ['jwt', 'api-key'],
        jwt: { secret: TEST_JWT_SECRET },
        apiKeys: { pepper: 'a-pepper-for-these-tests-that-is-long-enough-0123' },
      });
      const users = app.get<UserService<User>>(UserService);
      const keys = app.get<ApiKeyService<User>>(ApiKeyService);
      const active = await users.createUser({ username: 'tess', password: PASSWORD });
      const leaving = await users.createUser({ username: 'lee', password: PASSWORD });
      credentials.token = await login('tess');
      claims = JSON.parse(Buffer.from(credentials.token.split('.')[1], 'base64url').toString());
      credentials.key = (await keys.createKey(String(active.id), { label: 'compare' })).key;
      const revokedKey = await keys.createKey(String(active.id), { label: 'revoked' });
      await keys.revokeKey(String(active.id), revokedKey.record.id);
      credentials.revokedKey = revokedKey.key;
      credentials.loggedOut = await login('tess');
      await request(app.getHttpServer())
        .post('/auth/logout')
        .set('Authorization', `Bearer ${credentials.loggedOut}`)
        .expect(204);
      credentials.inactiveToken = await login('lee');
      credentials.inactiveKey = (await keys.createKey(String(leaving.id), { label: 'lee' })).key;
      await users.updateColumns(leaving, { isActive: false });
      const now = Math.floor(Date.now() / 1000);
      const fresh = { ...claims, jti: randomUUID(), iat: now - 5, exp: now + 600 };
      credentials.expired = minted({ ...fresh, iat: now - 1000, exp: now - 100 });
      credentials.foreignAudience = minted({ ...fresh, aud: 'another-api' });
      credentials.foreignIssuer = minted({ ...fresh, iss: 'https://elsewhere.example' });
      credentials.otherSecret = minted(
        fresh,
        undefined,
        'another-secret-that-is-long-enough-0123456789',
      );
      credentials.algNone = minted(fresh, { alg: 'none', typ: 'JWT' });
      credentials.hs512 = minted(fresh, { alg: 'HS512', typ: 'JWT' }, TEST_JWT_SECRET, 'sha512');
      credentials.longLived = minted({ ...fresh, exp: now + 86_400 });
      credentials.refreshTyped = minted({ ...fresh, typ: 'refresh' });
    });

    afterAll(async () => {
      await app?.close();
    });

    const last = (value: string, replacement: string) => value.slice(0, -1) + replacement;
    type Case = [string, (c: Record<string, string>) => Record<string, string>];
    const tokenCases: Case[] = [
      ['a good token', (c) => ({ authorization: `Bearer ${c.token}` })],
      ['a good token, scheme in lower case', (c) => ({ authorization: `bearer ${c.token}` })],
      ['a good token after two spaces', (c) => ({ authorization: `Bearer  ${c.token}` })],
      ['a forged signature', (c) => ({ authorization: `Bearer ${last(c.token, 'A')}` })],
      ['a token signed with another secret', (c) => ({ authorization: `Bearer ${c.otherSecret}` })],
      ['alg none', (c) => ({ authorization: `Bearer ${c.algNone}` })],
      ['HS512 with the HS256 key (not allowed)', (c) => ({ authorization: `Bearer ${c.hs512}` })],
      ['an expired token', (c) => ({ authorization: `Bearer ${c.expired}` })],
      ['another audience', (c) => ({ authorization: `Bearer ${c.foreignAudience}` })],
      ['another issuer', (c) => ({ authorization: `Bearer ${c.foreignIssuer}` })],
      ['a lifetime beyond accessTokenTtl', (c) => ({ authorization: `Bearer ${c.longLived}` })],
      ['a refresh-typed token', (c) => ({ authorization: `Bearer ${c.refreshTyped}` })],
      ['a replayed token of an ended session', (c) => ({ authorization: `Bearer ${c.loggedOut}` })],
      ['a token of an inactive user', (c) => ({ authorization: `Bearer ${c.inactiveToken}` })],
      ['a token and more', (c) => ({ authorization: `Bearer ${c.token} more` })],
      ['a token after a tab', (c) => ({ authorization: `Bearer\t${c.token}` })],
      ['Bearer alone', () => ({ authorization: 'Bearer' })],
      ['characters outside b64token', () => ({ authorization: 'Bearer a.b.c!' })],
      ['a dotless value outside b64token', () => ({ authorization: 'Bearer abc!' })],
      ['two dotless tokens', () => ({ authorization: 'Bearer abc def' })],
    ];
    const keyCases: Case[] = [
      ['a good key', (c) => ({ authorization: `Bearer ${c.key}` })],
      ['a good key, scheme in upper case', (c) => ({ authorization: `BEARER ${c.key}` })],
      ['a good key in X-API-Key', (c) => ({ 'x-api-key': c.key })],
      ['a good key in X-API-Key, padded', (c) => ({ 'x-api-key': `  ${c.key}  ` })],
      ['a key and more in X-API-Key', (c) => ({ 'x-api-key': `${c.key} more` })],
      ['a key and more after Bearer', (c) => ({ authorization: `Bearer ${c.key} more` })],
      ['a key with a bad checksum', (c) => ({ authorization: `Bearer ${last(c.key, 'A')}` })],
      ['a revoked key', (c) => ({ authorization: `Bearer ${c.revokedKey}` })],
      ['a key of an inactive user', (c) => ({ 'x-api-key': c.inactiveKey })],
      ['an empty X-API-Key', () => ({ 'x-api-key': '' })],
    ];

    it.each(tokenCases)(
      'answers %s through AuthGuard("portcullis-jwt") alike',
      async (_, headers) => {
        const sent = headers(credentials);
        const ours = await answer(app, '/compare/portcullis', sent);
        expect(ours.status).not.toBe(500);
        expect(await answer(app, '/compare/passport-jwt', sent)).toEqual(ours);
        expect(await answer(app, '/compare/passport-bearer', sent)).toEqual(ours);
      },
    );

    it.each(keyCases)(
      'answers %s through AuthGuard("portcullis-api-key") alike',
      async (_, headers) => {
        const sent = headers(credentials);
        const ours = await answer(app, '/compare/portcullis', sent);
        expect(ours.status).not.toBe(500);
        expect(await answer(app, '/compare/passport-api-key', sent)).toEqual(ours);
        expect(await answer(app, '/compare/passport-bearer', sent)).toEqual(ours);
      },
    );

    it('lets the good credentials in with the same authInfo both ways', async () => {
      const token = await answer(app, '/compare/passport-jwt', {
        authorization: `Bearer ${credentials.token}`,
      });
      expect(token.status).toBe(200);
      expect(token.body).toMatchObject({ authInfo: { strategy: 'jwt', sessionId: claims.sid } });
      const key = await answer(app, '/compare/passport-api-key', { 'x-api-key': credentials.key });
      expect(key.status).toBe(200);
      expect(key.body).toMatchObject({ authInfo: { strategy: 'api-key' } });
    });

    it('refuses the attacks with the same codes both ways', async () => {
      const codes: Record<string, string> = {};
      for (const name of ['expired', 'loggedOut', 'algNone', 'hs512', 'foreignAudience']) {
        const sent = { authorization: `Bearer ${credentials[name]}` };
        const theirs = await answer(app, '/compare/passport-jwt', sent);
        expect(theirs.status).toBe(401);
        expect(theirs.challenge).toMatch(/^Bearer realm="[^"]+", error="invalid_token"/);
        codes[name] = (theirs.body as { error: string }).error;
      }
      expect(codes).toEqual({
        expired: 'token_expired',
        loggedOut: 'token_revoked',
        algNone: 'invalid_token',
        hs512: 'invalid_token',
        foreignAudience: 'invalid_token',
      });
      const malformed = await answer(app, '/compare/passport-jwt', { authorization: 'Bearer a b' });
      expect(malformed.status).toBe(400);
      expect(malformed.body).toMatchObject({ error: 'invalid_request' });
      expect(malformed.challenge).toContain('error="invalid_request"');
    });

    it('answers a request without a credential with 401 and the challenge both ways', async () => {
      // @nestjs/passport's AuthGuard answers "no credential" with its own UnauthorizedException body.
      for (const path of [
        '/compare/portcullis',
        '/compare/passport-jwt',
        '/compare/passport-bearer',
      ]) {
        const response = await answer(app, path, {});
        expect([path, response.status, response.challenge]).toEqual([
          path,
          401,
          'Bearer realm="portcullis"',
        ]);
      }
    });

    it.each<Case>([
      ['four segments', (c) => ({ authorization: `Bearer ${c.token}.x` })],
      ['a bearer value that is neither a JWS nor a key', () => ({ authorization: 'Bearer abc' })],
      ['a scheme no strategy reads', () => ({ authorization: 'Basic YTpi' })],
    ])('answers %s, a credential no strategy claims, with 401 both ways', async (_, headers) => {
      const sent = headers(credentials);
      const ours = await answer(app, '/compare/portcullis', sent);
      expect(ours.status).toBe(401);
      expect(ours.body).toMatchObject({ error: 'invalid_token' });
      expect(ours.challenge).toContain('error="invalid_token"');
      for (const path of ['/compare/passport-jwt', '/compare/passport-bearer']) {
        const theirs = await answer(app, path, sent);
        expect([path, theirs.status, theirs.challenge]).toEqual([
          path,
          401,
          'Bearer realm="portcullis"',
        ]);
      }
    });
  },
);

describe.each(ADAPTERS)('jwt.fromRequest on %s', (adapter) => {
  let app: INestApplication;
  let token: string;

  beforeAll(async () => {
    app = await startFixture(adapter, {
      routes: true,
      strategies: ['jwt'],
      jwt: { secret: TEST_JWT_SECRET, fromRequest: ExtractJwt.fromHeader('x-access-token') },
    });
    await app
      .get<UserService<User>>(UserService)
      .createUser({ username: 'ada', password: PASSWORD });
    const response = await request(app.getHttpServer())
      .post('/auth/login')
      .send({ username: 'ada', password: PASSWORD })
      .expect(200);
    token = response.body.access_token as string;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('reads the token where the extractor says, on both guards', async () => {
    for (const path of ['/compare/portcullis', '/compare/passport-jwt']) {
      const response = await answer(app, path, { 'x-access-token': token });
      expect([path, response.status]).toEqual([path, 200]);
      expect(response.body).toMatchObject({ authInfo: { strategy: 'jwt' } });
    }
  });

  it('no longer reads the Authorization header', async () => {
    const response = await answer(app, '/compare/portcullis', { authorization: `Bearer ${token}` });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: 'invalid_token' });
  });

  it('refuses a forged token from that header alike', async () => {
    const forged = { 'x-access-token': `${token.slice(0, -2)}AA` };
    const ours = await answer(app, '/compare/portcullis', forged);
    expect(ours.status).toBe(401);
    expect(await answer(app, '/compare/passport-jwt', forged)).toEqual(ours);
  });

  it('refuses a fromRequest that is not a function at boot', async () => {
    await expect(
      startFixture(adapter, {
        jwt: { secret: TEST_JWT_SECRET, fromRequest: 'x-access-token' as never },
      }),
    ).rejects.toThrow(/jwt\.fromRequest must be a function/);
  });
});

describe.each(ADAPTERS)(
  'AuthGuard("portcullis-cookie") against Portcullis’ guard on %s',
  (adapter) => {
    let app: INestApplication;
    let jar: Record<string, string>;
    const access = 'portcullis_access';
    const refresh = 'portcullis_refresh';

    beforeAll(async () => {
      app = await startFixture(adapter, {
        routes: true,
        strategies: ['cookie'],
        jwt: { secret: TEST_JWT_SECRET },
        browserSessions: { secure: false },
      });
      await app
        .get<UserService<User>>(UserService)
        .createUser({ username: 'cy', password: PASSWORD });
      const login = await request(app.getHttpServer())
        .post('/auth/browser/login')
        .set('Origin', 'http://127.0.0.1')
        .set('Host', '127.0.0.1')
        .type('form')
        .send({ username: 'cy', password: PASSWORD });
      expect(login.status).toBe(303);
      jar = cookiesFrom(login);
      expect(Object.keys(jar).sort()).toEqual([access, refresh]);
    });

    afterAll(async () => {
      await app?.close();
    });

    const send = (path: string, cookie: string) =>
      request(app.getHttpServer()).get(path).set('Cookie', cookie);

    it('lets a good session in with the same authInfo both ways', async () => {
      const cookie = `${access}=${jar[access]}; ${refresh}=${jar[refresh]}`;
      const ours = await send('/compare/portcullis', cookie);
      const theirs = await send('/compare/passport-cookie', cookie);
      expect(ours.status).toBe(200);
      expect(theirs.status).toBe(200);
      expect(theirs.body).toEqual(ours.body);
      expect(theirs.body).toMatchObject({ authInfo: { strategy: 'cookie' } });
    });

    it('clears the cookies of a forged session both ways', async () => {
      const cookie = `${access}=${jar[access].slice(0, -2)}AA`;
      for (const path of ['/compare/portcullis', '/compare/passport-cookie']) {
        const response = await send(path, cookie);
        expect([path, response.status, response.body.error]).toEqual([path, 401, 'invalid_token']);
        expect(cookiesFrom(response)).toEqual({ [access]: '', [refresh]: '' });
      }
    });

    it('renews the session from the refresh cookie and writes the new pair both ways', async () => {
      let current = jar[refresh];
      for (const path of ['/compare/portcullis', '/compare/passport-cookie']) {
        const response = await send(path, `${refresh}=${current}`);
        expect([path, response.status]).toEqual([path, 200]);
        const renewed = cookiesFrom(response);
        expect(Object.keys(renewed).sort()).toEqual([access, refresh]);
        expect(renewed[refresh]).not.toBe(current);
        current = renewed[refresh];
      }
    });
  },
);
