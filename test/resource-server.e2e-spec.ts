import { Controller, Get, Module, UseGuards, type DynamicModule } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import {
  generateKeyPairSync,
  randomUUID,
  sign,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  AuthConfigurationError,
  AuthModule,
  CurrentUser,
  LoginRequiredGuard,
  PermissionService,
  Permissions,
  PermissionsGuard,
  User,
  UserService,
  type AuthJwtOptions,
  type AuthModuleForRootOptions,
  type TokenUser,
} from 'portcullis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp } from './support/test-app.js';
import { createTestDatabase, testTypeOrmModule } from './support/test-database.js';

const PASSWORD = 'correct horse battery';
const ISSUER = 'https://id.example.test';
const AUDIENCE = 'notes-api';
const KID = 'issuer-2026-12';

@Controller('api')
@UseGuards(LoginRequiredGuard, PermissionsGuard)
class ResourceController {
  @Get('whoami')
  whoami(@CurrentUser() user: TokenUser) {
    return { id: user.id, isSuperuser: user.isSuperuser, permissions: user.permissions };
  }

  @Get('notes')
  @Permissions('notes.read')
  notes() {
    return { notes: [] };
  }

  @Get('purge')
  @Permissions('notes.delete')
  purge() {
    return { purged: true };
  }
}

/** A resource server with only the issuer's public key: no TypeOrmModule anywhere in it. */
function resourceServer(options: AuthModuleForRootOptions): DynamicModule {
  @Module({})
  class ResourceApp {}
  return {
    module: ResourceApp,
    imports: [AuthModule.forRoot({ mode: 'resource-server', ...options })],
    controllers: [ResourceController],
  };
}

const segment = (value: unknown): string =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWS made by hand, signed with Ed25519 (or not at all). */
function handMade(header: object, payload: object, key?: KeyObject): string {
  const input = `${segment(header)}.${segment(payload)}`;
  const signature = key ? sign(null, Buffer.from(input), key).toString('base64url') : '';
  return `${input}.${signature}`;
}

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

/** Claims a Portcullis issuer would sign, with overrides. */
function accessClaims(sub: string, overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    typ: 'access',
    sub,
    sid: randomUUID(),
    jti: randomUUID(),
    iat: now,
    exp: now + 300,
    iss: ISSUER,
    aud: AUDIENCE,
    ...overrides,
  };
}

describe.each(ADAPTERS)('resource server on %s', (adapter) => {
  const issuerKeys = generateKeyPairSync('ed25519');
  const publicPem = issuerKeys.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const jwtCommon: AuthJwtOptions = { issuer: ISSUER, audience: AUDIENCE, accessTokenTtl: 300 };
  let database: { url: string; drop(): Promise<void> };
  let issuer: INestApplication;
  let resource: INestApplication;
  let reader: { id: string; username: string };
  let counter = 0;

  async function createUser(fields: Partial<User> = {}) {
    const username = `rs${adapter}${++counter}`;
    const user = await issuer
      .get<UserService<User>>(UserService)
      .createUser({ username, password: PASSWORD, ...fields });
    return { id: String(user.id), username };
  }

  async function login(username: string) {
    const response = await request(issuer.getHttpServer())
      .post('/auth/login')
      .send({ username, password: PASSWORD });
    expect(response.status).toBe(200);
    return response.body as { access_token: string; refresh_token: string };
  }

  const call = (path: string, token: string, app = resource) =>
    request(app.getHttpServer()).get(path).set('Authorization', `Bearer ${token}`);

  /** A 401 `code` with the RFC 6750 challenge, and nothing of the token in the body. */
  function expectRefused(response: request.Response, code: string, token: string) {
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ statusCode: 401, error: code });
    expect(response.headers['www-authenticate']).toMatch(
      /^Bearer realm="portcullis", error="invalid_token", error_description="/,
    );
    expect(JSON.stringify(response.body)).not.toContain(token.split('.')[2] || token);
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    issuer = await createTestApp(
      [
        testTypeOrmModule(database.url),
        AuthModule.forRoot({
          routes: true,
          jwt: {
            ...jwtCommon,
            permissionsClaim: true,
            keys: [{ kid: KID, algorithm: 'EdDSA', privateKey: issuerKeys.privateKey }],
          },
        }),
      ],
      adapter,
    );
    resource = await createTestApp(
      [
        resourceServer({
          jwt: { ...jwtCommon, keys: [{ kid: KID, algorithm: 'EdDSA', publicKey: publicPem }] },
        }),
      ],
      adapter,
    );
    reader = await createUser();
    await issuer.get(PermissionService).grantToUser(reader.id, 'notes.read');
  });

  afterAll(async () => {
    await resource?.close();
    await issuer?.close();
    await database?.drop();
  });

  it('boots without any database connection', () => {
    expect(() => resource.get(DataSource, { strict: false })).toThrow();
    expect(() => resource.get(UserService, { strict: false })).toThrow();
  });

  it('mounts no login routes', async () => {
    for (const path of ['/auth/login', '/auth/register', '/auth/refresh']) {
      const response = await request(resource.getHttpServer())
        .post(path)
        .send({ username: reader.username, password: PASSWORD });
      expect(response.status).toBe(404);
    }
  });

  it("accepts the issuer's access token: 200 with the user's id and the claimed permissions", async () => {
    const { access_token } = await login(reader.username);
    expect(payloadOf(access_token).perms).toEqual(['notes.read']);
    const response = await call('/api/whoami', access_token);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      id: reader.id,
      isSuperuser: false,
      permissions: ['notes.read'],
    });
  });

  it('@Permissions: 200 when the claim holds it, 403 insufficient_permissions when not', async () => {
    const { access_token } = await login(reader.username);
    expect((await call('/api/notes', access_token)).status).toBe(200);
    const refused = await call('/api/purge', access_token);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ statusCode: 403, error: 'insufficient_permissions' });
  });

  it('a permission change takes effect with the next access token', async () => {
    const user = await createUser();
    const first = await login(user.username);
    expect((await call('/api/notes', first.access_token)).status).toBe(403);
    await issuer.get(PermissionService).grantToUser(user.id, 'notes.read');
    expect((await call('/api/notes', first.access_token)).status).toBe(403);
    const renewed = await request(issuer.getHttpServer())
      .post('/auth/refresh')
      .send({ refresh_token: first.refresh_token });
    expect(renewed.status).toBe(200);
    expect((await call('/api/notes', renewed.body.access_token)).status).toBe(200);
    await issuer.get(PermissionService).revokeFromUser(user.id, 'notes.read');
    const after = await login(user.username);
    expect(payloadOf(after.access_token).perms).toEqual([]);
    expect((await call('/api/notes', after.access_token)).status).toBe(403);
  });

  it("a superuser's token claims every permission", async () => {
    const admin = await createUser({ isSuperuser: true });
    const { access_token } = await login(admin.username);
    expect(payloadOf(access_token).perms).toEqual(['*']);
    expect((await call('/api/purge', access_token)).status).toBe(200);
    expect((await call('/api/whoami', access_token)).body).toMatchObject({ isSuperuser: true });
  });

  it('a token without the perms claim authenticates but holds no permission', async () => {
    const token = handMade(
      { alg: 'EdDSA', kid: KID },
      accessClaims(reader.id),
      issuerKeys.privateKey,
    );
    expect((await call('/api/whoami', token)).status).toBe(200);
    expect((await call('/api/notes', token)).status).toBe(403);
  });

  it('an anonymous request is 401 not_authenticated', async () => {
    const response = await request(resource.getHttpServer()).get('/api/notes');
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: 'not_authenticated' });
    expect(response.headers['www-authenticate']).toBe('Bearer realm="portcullis"');
  });

  describe('attacks: each is 401 with the Bearer challenge', () => {
    it('a token signed by another key under the issuer kid (forged)', async () => {
      const other = generateKeyPairSync('ed25519');
      const token = handMade(
        { alg: 'EdDSA', kid: KID },
        accessClaims(reader.id, { perms: ['*'] }),
        other.privateKey,
      );
      expectRefused(await call('/api/whoami', token), 'invalid_token', token);
    });

    it('a well-signed token living longer than accessTokenTtl + leeway, or issued in the future', async () => {
      const now = Math.floor(Date.now() / 1000);
      for (const times of [
        { iat: now, exp: now + 300 + 31 },
        { iat: now, exp: 1e20 },
        { iat: now + 3600, exp: now + 3900 },
      ]) {
        const token = handMade(
          { alg: 'EdDSA', kid: KID },
          accessClaims(reader.id, { ...times, perms: ['notes.read'] }),
          issuerKeys.privateKey,
        );
        expectRefused(await call('/api/notes', token), 'invalid_token', token);
      }
    });

    it('an expired token', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = handMade(
        { alg: 'EdDSA', kid: KID },
        accessClaims(reader.id, { iat: now - 1000, exp: now - 700, perms: ['notes.read'] }),
        issuerKeys.privateKey,
      );
      expectRefused(await call('/api/notes', token), 'token_expired', token);
    });

    it('HS256 signed with the public key bytes as the secret (algorithm confusion)', async () => {
      const { createHmac } = await import('node:crypto');
      for (const secret of [
        publicPem,
        issuerKeys.publicKey.export({ type: 'spki', format: 'der' }),
      ]) {
        const input = `${segment({ alg: 'HS256', typ: 'JWT', kid: KID })}.${segment(accessClaims(reader.id, { perms: ['*'] }))}`;
        const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
        expectRefused(await call('/api/purge', token), 'invalid_token', token);
      }
    });

    it('alg none', async () => {
      for (const alg of ['none', 'None', 'NONE']) {
        const token = handMade({ alg, kid: KID }, accessClaims(reader.id, { perms: ['*'] }));
        expectRefused(await call('/api/purge', token), 'invalid_token', token);
      }
    });

    it('a refresh token in place of an access token', async () => {
      const { refresh_token } = await login(reader.username);
      expectRefused(await call('/api/whoami', refresh_token), 'invalid_token', refresh_token);
    });

    it('a wrong audience or issuer', async () => {
      for (const overrides of [
        { aud: 'another-api' },
        { aud: [] },
        { iss: 'https://evil.example.test' },
        { iss: 'portcullis' },
      ]) {
        const token = handMade(
          { alg: 'EdDSA', kid: KID },
          accessClaims(reader.id, overrides),
          issuerKeys.privateKey,
        );
        expectRefused(await call('/api/whoami', token), 'invalid_token', token);
      }
    });

    it('a tampered perms claim', async () => {
      const { access_token } = await login(reader.username);
      const [header, , signature] = access_token.split('.');
      const claims = { ...payloadOf(access_token), perms: ['*'] };
      const token = `${header}.${segment(claims)}.${signature}`;
      expectRefused(await call('/api/purge', token), 'invalid_token', token);
      // The genuine token still works after the attempt: nothing was remembered for it.
      expect((await call('/api/purge', access_token)).status).toBe(403);
    });

    it('a well-signed perms claim that is not a list of codenames', async () => {
      for (const perms of ['notes.read', ['*', 'notes.read'], [42], { all: true }]) {
        const token = handMade(
          { alg: 'EdDSA', kid: KID },
          accessClaims(reader.id, { perms }),
          issuerKeys.privateKey,
        );
        expectRefused(await call('/api/notes', token), 'invalid_token', token);
      }
    });

    it('a token with a kid the ring does not hold', async () => {
      const token = handMade(
        { alg: 'EdDSA', kid: 'unknown' },
        accessClaims(reader.id),
        issuerKeys.privateKey,
      );
      expectRefused(await call('/api/whoami', token), 'invalid_token', token);
    });
  });

  it("boots from the issuer's JWKS document given inline", async () => {
    const jwks = (await request(issuer.getHttpServer()).get('/.well-known/jwks.json')).body as {
      keys: JsonWebKey[];
    };
    expect(jwks.keys).toHaveLength(1);
    const fromJwks = await createTestApp(
      [resourceServer({ jwt: { ...jwtCommon, jwks } })],
      adapter,
    );
    try {
      const { access_token } = await login(reader.username);
      const response = await call('/api/notes', access_token, fromJwks);
      expect(response.status).toBe(200);
      const forged = handMade(
        { alg: 'EdDSA', kid: KID },
        accessClaims(reader.id),
        generateKeyPairSync('ed25519').privateKey,
      );
      expectRefused(await call('/api/whoami', forged, fromJwks), 'invalid_token', forged);
    } finally {
      await fromJwks.close();
    }
  });
});

describe('resource server boot checks', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keys = [{ kid: 'k1', algorithm: 'ES256' as const, publicKey }];

  async function bootError(options: AuthModuleForRootOptions): Promise<AuthConfigurationError> {
    try {
      const app = await createTestApp([resourceServer(options)], 'express');
      await app.close();
    } catch (error) {
      expect(error).toBeInstanceOf(AuthConfigurationError);
      return error as AuthConfigurationError;
    }
    throw new Error('booted');
  }

  it('refuses routes: true with a clear message', async () => {
    const error = await bootError({ routes: true, jwt: { keys } });
    expect(error.message).toContain("mode 'resource-server' mounts no routes");
  });

  it('refuses a resource server without keys, naming jwt.keys and jwt.jwks', async () => {
    const error = await bootError({ jwt: {} });
    expect(error.message).toContain("needs the issuer's public keys");
    expect(error.message).toContain('jwt.jwks');
  });

  it('ignores AUTH_JWT_SECRET and refuses a shared HS secret', async () => {
    const saved = process.env.AUTH_JWT_SECRET;
    process.env.AUTH_JWT_SECRET = 'x'.repeat(48);
    try {
      expect((await bootError({})).message).toContain("needs the issuer's public keys");
    } finally {
      if (saved === undefined) delete process.env.AUTH_JWT_SECRET;
      else process.env.AUTH_JWT_SECRET = saved;
    }
    expect((await bootError({ jwt: { secret: 'x'.repeat(48) } })).message).toContain(
      'would let this service mint tokens',
    );
    const hs = { kid: 'hs', algorithm: 'HS256' as const, secret: 'y'.repeat(48) };
    expect((await bootError({ jwt: { keys: [hs] } })).message).toContain('public keys only');
  });

  it('refuses strategies that need a user table, and externalIssuers', async () => {
    const error = await bootError({ strategies: ['jwt', 'api-key'], jwt: { keys } });
    expect(error.message).toContain("strategies may list only 'jwt'");
    const external = await bootError({
      jwt: { keys },
      externalIssuers: [
        { issuer: 'https://x.test', jwksUrl: 'https://x.test/jwks', audience: 'a' },
      ],
    });
    expect(external.message).toContain('cannot take externalIssuers');
  });

  it('refuses a JWKS key without kid or alg, or with a private member', async () => {
    const jwk = publicKey.export({ format: 'jwk' });
    const error = await bootError({
      jwt: {
        jwks: {
          keys: [
            { ...jwk, alg: 'ES256' },
            { ...jwk, kid: 'a' },
            { ...privateKey.export({ format: 'jwk' }), kid: 'b', alg: 'ES256' },
          ],
        },
      },
    });
    expect(error.message).toContain('jwt.jwks.keys[0]: kid is required');
    expect(error.message).toContain('jwt.jwks.keys[1]: alg must be one of');
    expect(error.message).toContain('jwt.jwks.keys[2]');
    expect(error.message).not.toContain(String(privateKey.export({ format: 'jwk' }).d));
  });

  it.each(ADAPTERS)(
    'forRootAsync on %s: mode beside useFactory, keys from the factory',
    async (adapter) => {
      @Module({})
      class AsyncResourceApp {}
      const app = await createTestApp(
        [
          {
            module: AsyncResourceApp,
            imports: [
              AuthModule.forRootAsync({
                mode: 'resource-server',
                useFactory: () => ({ jwt: { keys, issuer: ISSUER, audience: AUDIENCE } }),
              }),
            ],
            controllers: [ResourceController],
          },
        ],
        adapter,
      );
      try {
        const input = `${segment({ alg: 'ES256', kid: 'k1' })}.${segment(accessClaims('42', { perms: ['notes.read'] }))}`;
        const signature = sign('sha256', Buffer.from(input), {
          key: privateKey,
          dsaEncoding: 'ieee-p1363',
        }).toString('base64url');
        const token = `${input}.${signature}`;
        const response = await request(app.getHttpServer())
          .get('/api/notes')
          .set('Authorization', `Bearer ${token}`);
        expect(response.status).toBe(200);
        const login = await request(app.getHttpServer()).post('/auth/login').send({});
        expect(login.status).toBe(404);
      } finally {
        await app.close();
      }
    },
  );

  it('accepts a private key without needing it, and never signs with it', async () => {
    const app = await createTestApp(
      [resourceServer({ jwt: { keys: [{ kid: 'k1', algorithm: 'ES256', privateKey }] } })],
      'express',
    );
    try {
      const { KeyRing } = await import('portcullis');
      expect(() => app.get(KeyRing).sign({ sub: '1' })).toThrow(AuthConfigurationError);
      expect(app.get(KeyRing).jwks().keys).toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});
