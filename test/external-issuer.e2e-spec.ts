import type { INestApplication } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { SignJWT, exportJWK } from 'jose';
import { AuthModule, User, UserService } from 'portcullis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const ISSUER = 'https://idp.example';
const AUDIENCE = 'notes-api';

/** A tiny HTTP server that serves one JSON body and counts requests. */
async function jsonServer(
  body: () => object,
): Promise<{ server: Server; url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((_request, response) => {
    hits += 1;
    response.setHeader('Content-Type', 'application/json');
    response.end(JSON.stringify(body()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/jwks.json`, hits: () => hits };
}

const close = (server?: Server) =>
  new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));

describe.each(ADAPTERS)('tokens from an external issuer on %s', (adapter) => {
  const idpKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const strangerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let jwks: Awaited<ReturnType<typeof jsonServer>>;
  let elsewhere: Awaited<ReturnType<typeof jsonServer>>;
  let app: INestApplication;
  let database: TestDatabase;
  const http = () => request(app.getHttpServer());

  async function idpToken(
    claims: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
    key = idpKey.privateKey,
  ): Promise<string> {
    return new SignJWT({
      email: 'dora@example.io',
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'idp-user-77',
      jti: randomUUID(),
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'idp-1', ...header })
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);
  }

  beforeAll(async () => {
    const publicJwk = {
      ...(await exportJWK(idpKey.publicKey)),
      kid: 'idp-1',
      alg: 'ES256',
      use: 'sig',
    };
    jwks = await jsonServer(() => ({ keys: [publicJwk] }));
    elsewhere = await jsonServer(() => ({ keys: [] }));
    database = await createTestDatabase();
    app = await createTestApp(
      [
        testTypeOrmModule(database.url),
        AuthModule.forRoot({
          routes: true,
          jwt: { secret: TEST_JWT_SECRET },
          externalIssuers: [
            {
              issuer: ISSUER,
              jwksUrl: jwks.url,
              audience: AUDIENCE,
              subjectClaim: 'email',
              userField: 'email',
            },
          ],
        }),
      ],
      adapter,
    );
    const users = app.get<UserService<User>>(UserService);
    await users.createUser({ username: 'dora', email: 'dora@example.io', password: null });
    const retired = await users.createUser({
      username: 'retired',
      email: 'retired@example.io',
      password: null,
    });
    await users.updateColumns(retired, { isActive: false });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    await close(jwks?.server);
    await close(elsewhere?.server);
  });

  it('accepts a token of the issuer and maps its email claim to the local user', async () => {
    const me = await http()
      .get('/auth/me')
      .set('Authorization', `Bearer ${await idpToken()}`);
    expect(me.status).toBe(200);
    expect(me.body.username).toBe('dora');
    expect(jwks.hits()).toBe(1);
    await http()
      .get('/auth/me')
      .set('Authorization', `Bearer ${await idpToken()}`)
      .expect(200);
    expect(jwks.hits()).toBe(1);
  });

  it.each([
    ['another audience', { aud: 'other-api' }],
    ['an unknown user', { email: 'nobody@example.io' }],
    ['an inactive user', { email: 'retired@example.io' }],
    ['no subject claim', { email: undefined }],
    ['a non-string subject claim', { email: 42 }],
  ])('refuses a token with %s', async (_name, claims) => {
    const response = await http()
      .get('/auth/me')
      .set('Authorization', `Bearer ${await idpToken(claims)}`);
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_token');
  });

  it('refuses a token signed by someone else, and an expired one as token_expired', async () => {
    const forged = await idpToken({}, {}, strangerKey.privateKey);
    expect((await http().get('/auth/me').set('Authorization', `Bearer ${forged}`)).status).toBe(
      401,
    );
    const expired = await new SignJWT({ email: 'dora@example.io' })
      .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 600)
      .sign(idpKey.privateKey);
    const response = await http().get('/auth/me').set('Authorization', `Bearer ${expired}`);
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('token_expired');
  });

  /** An ES256 token of the issuer over this exact JSON text (numbers jose would refuse to write). */
  function rawIdpToken(json: string): string {
    const input = `${Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'idp-1' })).toString('base64url')}.${Buffer.from(json).toString('base64url')}`;
    const signature = sign('sha256', Buffer.from(input), {
      key: idpKey.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    return `${input}.${signature.toString('base64url')}`;
  }

  it('refuses absurd exp values, an iat in the future and a lifetime past maxTokenLifetime', async () => {
    const now = Math.floor(Date.now() / 1000);
    const base = { iss: ISSUER, aud: AUDIENCE, email: 'dora@example.io' };
    // JSON text, so that 1e400 reaches the server as written (JSON.parse makes it Infinity).
    const token = (claims: Record<string, unknown>, raw = '') =>
      rawIdpToken(JSON.stringify({ ...base, ...claims }).replace(/}$/, raw ? `,${raw}}` : '}'));
    const refused = [
      token({ iat: now, exp: 1e20 }),
      token({ iat: now, exp: 2 ** 64 }),
      token({ iat: now }, '"exp":1e400'),
      token({}, '"exp":1e400'),
      token({ exp: now + 600 }, '"iat":-1e400'),
      token({ iat: now + 120, exp: now + 600 }),
      token({ iat: now, exp: now + 86_400 + 31 }),
      // No iat: the lifetime counts from now.
      token({ exp: now + 86_400 + 60 }),
    ];
    for (const refusedToken of refused) {
      const response = await http().get('/auth/me').set('Authorization', `Bearer ${refusedToken}`);
      expect(response.status).toBe(401);
      expect(response.body.error).toBe('invalid_token');
    }
    const accepted = [token({ iat: now + 20, exp: now + 86_400 }), token({ exp: now + 3600 })];
    for (const acceptedToken of accepted) {
      await http().get('/auth/me').set('Authorization', `Bearer ${acceptedToken}`).expect(200);
    }
  });

  it('never follows jku, x5u or an embedded jwk, and unknown kids cannot make it fetch repeatedly', async () => {
    const before = jwks.hits();
    const attempts = [
      await idpToken({}, { jku: elsewhere.url, kid: 'elsewhere' }, strangerKey.privateKey),
      await idpToken({}, { x5u: elsewhere.url, kid: 'elsewhere-2' }, strangerKey.privateKey),
      await idpToken(
        {},
        { jwk: await exportJWK(strangerKey.publicKey), kid: undefined },
        strangerKey.privateKey,
      ),
      ...(await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          idpToken({}, { kid: `unknown-${i}` }, strangerKey.privateKey),
        ),
      )),
    ];
    for (const token of attempts) {
      const response = await http().get('/auth/me').set('Authorization', `Bearer ${token}`);
      expect(response.status).toBe(401);
    }
    expect(elsewhere.hits()).toBe(0);
    // An unknown kid may refetch the configured JWKS, but at most once per 30 s cooldown.
    expect(jwks.hits() - before).toBeLessThanOrEqual(1);
  });

  it('an HS256 token claiming the external issuer is refused', async () => {
    const { createHmac } = await import('node:crypto');
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'idp-1' })).toString(
      'base64url',
    );
    const now = Math.floor(Date.now() / 1000);
    const payload = Buffer.from(
      JSON.stringify({
        iss: ISSUER,
        aud: AUDIENCE,
        email: 'dora@example.io',
        iat: now,
        exp: now + 60,
      }),
    ).toString('base64url');
    const signature = createHmac('sha256', TEST_JWT_SECRET)
      .update(`${header}.${payload}`)
      .digest('base64url');
    const response = await http()
      .get('/auth/me')
      .set('Authorization', `Bearer ${header}.${payload}.${signature}`);
    expect(response.status).toBe(401);
  });
});

describe('an external issuer that cannot be reached', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const unreachable = await jsonServer(() => ({ keys: [] }));
    const url = unreachable.url;
    await close(unreachable.server);
    app = await createTestApp(
      [
        testTypeOrmModule('sqlite::memory:'),
        AuthModule.forRoot({
          routes: true,
          jwt: { secret: TEST_JWT_SECRET },
          externalIssuers: [{ issuer: ISSUER, jwksUrl: url, audience: AUDIENCE }],
        }),
      ],
      'express',
    );
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers 503 service_unavailable, not 401 and never 200', async () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('someone')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key.privateKey);
    const response = await request(app.getHttpServer())
      .get('/auth/me')
      .set('Authorization', `Bearer ${token}`);
    expect(response.status).toBe(503);
    expect(response.body.error).toBe('service_unavailable');
  });
});
