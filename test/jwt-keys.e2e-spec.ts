import type { INestApplication } from '@nestjs/common';
import {
  constants,
  createHash,
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign,
  verify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AuthConfigurationError,
  AuthModule,
  InvalidTokenException,
  User,
  UserService,
  type AuthJwtOptions,
  type JwtAlgorithm,
  type JwtKeyOptions,
  verifyJwsSignatureOnly,
} from 'portcullis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp } from './support/test-app.js';
import { createDurableTestDatabase, testTypeOrmModule } from './support/test-database.js';

const PASSWORD = 'correct horse battery';

/** The order n of the P-256 group (FIPS 186-4 D.1.2.3): r and s must lie in [1, n-1]. */
const P256_ORDER = Buffer.from(
  'FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551',
  'hex',
);

/** The private members of a JWK (RFC 7518 section 6), none of which may ever be served. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

type Secret = KeyObject | Buffer | string;

const segment = (value: unknown): string =>
  (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');

/** A JWS signature made with node:crypto, as RFC 7518 section 3 lays out for each algorithm. */
function signatureOf(alg: string, key: Secret, input: string): Buffer {
  const data = Buffer.from(input);
  switch (alg) {
    case 'HS256':
    case 'HS384':
    case 'HS512':
      return createHmac(`sha${alg.slice(2)}`, key)
        .update(data)
        .digest();
    case 'RS256':
      return sign('sha256', data, key as KeyObject);
    case 'PS256':
      return sign('sha256', data, {
        key: key as KeyObject,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      });
    case 'ES256':
      return sign('sha256', data, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
    case 'EdDSA':
      return sign(null, data, key as KeyObject);
    default:
      throw new Error(`no signer for ${alg}`);
  }
}

/** Checks a JWS signature with node:crypto alone, independently of the library under test. */
function signatureVerifies(alg: string, key: Secret, token: string): boolean {
  const [header, payload, signature] = token.split('.');
  const input = Buffer.from(`${header}.${payload}`);
  const bytes = Buffer.from(signature, 'base64url');
  switch (alg) {
    case 'HS256':
    case 'HS384':
    case 'HS512':
      return createHmac(`sha${alg.slice(2)}`, key)
        .update(input)
        .digest()
        .equals(bytes);
    case 'RS256':
      return verify('sha256', input, key as KeyObject, bytes);
    case 'PS256':
      return verify(
        'sha256',
        input,
        { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
        bytes,
      );
    case 'ES256':
      return verify('sha256', input, { key: key as KeyObject, dsaEncoding: 'ieee-p1363' }, bytes);
    case 'EdDSA':
      return verify(null, input, key as KeyObject, bytes);
    default:
      throw new Error(`no verifier for ${alg}`);
  }
}

/** Builds a compact JWS by hand: any header, any payload bytes, a signature made by `signer`. */
function handMade(header: object, payload: unknown, signer: (input: string) => Buffer): string {
  const input = `${segment(header)}.${segment(payload)}`;
  return `${input}.${signer(input).toString('base64url')}`;
}

function decodeSegment(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString());
}

function authModules(databaseUrl: string, jwt: AuthJwtOptions) {
  return [testTypeOrmModule(databaseUrl), AuthModule.forRoot({ routes: true, jwt })];
}

let usernameCounter = 0;

/** Creates a user in the app and returns its name and id. */
async function createUser(app: INestApplication): Promise<{ username: string; id: string }> {
  const username = `keyuser${++usernameCounter}`;
  const user = await app
    .get<UserService<User>>(UserService)
    .createUser({ username, password: PASSWORD });
  return { username, id: String(user.id) };
}

async function login(app: INestApplication, username: string) {
  const response = await request(app.getHttpServer())
    .post('/auth/login')
    .send({ username, password: PASSWORD });
  expect(response.status).toBe(200);
  return response.body as { access_token: string; refresh_token: string };
}

const me = (app: INestApplication, token: string) =>
  request(app.getHttpServer()).get('/auth/me').set('Authorization', `Bearer ${token}`);

const refresh = (app: INestApplication, refreshToken: string) =>
  request(app.getHttpServer()).post('/auth/refresh').send({ refresh_token: refreshToken });

/** One key of each algorithm, with the secret or public key that checks its signatures. */
function keyOfEachAlgorithm(): Array<{
  name: string;
  algorithm: JwtAlgorithm;
  options: Omit<JwtKeyOptions, 'kid' | 'algorithm'>;
  verifyKey: Secret;
}> {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = generateKeyPairSync('ed25519');
  const secrets = { HS256: randomBytes(32), HS384: randomBytes(48), HS512: randomBytes(64) };
  return [
    ...(['HS256', 'HS384', 'HS512'] as const).map((algorithm) => ({
      name: algorithm,
      algorithm,
      options: { secret: secrets[algorithm] },
      verifyKey: secrets[algorithm],
    })),
    ...(['RS256', 'PS256'] as const).map((algorithm) => ({
      name: algorithm,
      algorithm,
      options: { privateKey: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string },
      verifyKey: rsa.publicKey,
    })),
    {
      name: 'ES256',
      algorithm: 'ES256',
      options: { privateKey: ec.privateKey.export({ format: 'jwk' }) },
      verifyKey: ec.publicKey,
    },
    {
      name: 'EdDSA',
      algorithm: 'EdDSA',
      options: { privateKey: ed.privateKey },
      verifyKey: ed.publicKey,
    },
  ];
}

describe.each(ADAPTERS)('JWT key ring on %s', (adapter) => {
  describe('one key of each algorithm', () => {
    let database: { url: string; drop(): Promise<void> };

    beforeAll(async () => {
      database = await createDurableTestDatabase();
    });

    afterAll(async () => {
      await database?.drop();
    });

    it.each(keyOfEachAlgorithm())(
      '$name: login, /auth/me and /auth/refresh',
      async ({ algorithm, options, verifyKey }) => {
        const kid = `k-${algorithm}`;
        const app = await createTestApp(
          authModules(database.url, { keys: [{ kid, algorithm, ...options }] }),
          adapter,
        );
        try {
          const { username, id } = await createUser(app);
          const tokens = await login(app, username);
          expect(decodeSegment(tokens.access_token, 0)).toMatchObject({ alg: algorithm, kid });
          expect(decodeSegment(tokens.refresh_token, 0)).toMatchObject({ alg: algorithm, kid });
          expect(signatureVerifies(algorithm, verifyKey, tokens.access_token)).toBe(true);
          const profile = await me(app, tokens.access_token);
          expect(profile.status).toBe(200);
          expect(profile.body).toMatchObject({ username });
          expect(decodeSegment(tokens.access_token, 1).sub).toBe(id);

          const rotated = await refresh(app, tokens.refresh_token);
          expect(rotated.status).toBe(200);
          expect(decodeSegment(rotated.body.access_token, 0)).toMatchObject({
            alg: algorithm,
            kid,
          });
          expect(signatureVerifies(algorithm, verifyKey, rotated.body.refresh_token)).toBe(true);
          expect((await me(app, rotated.body.access_token)).status).toBe(200);
        } finally {
          await app.close();
        }
      },
    );
  });

  describe('GET /.well-known/jwks.json', () => {
    let database: { url: string; drop(): Promise<void> };
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const secret = randomBytes(32);

    beforeAll(async () => {
      database = await createDurableTestDatabase();
    });

    afterAll(async () => {
      await database?.drop();
    });

    it('serves the public keys only (RS256 signing, ES256 verify-only), nothing for HS256', async () => {
      const app = await createTestApp(
        authModules(database.url, {
          keys: [
            { kid: 'rs-signing', algorithm: 'RS256', privateKey: rsa.privateKey },
            {
              kid: 'es-verify-only',
              algorithm: 'ES256',
              publicKey: ec.publicKey.export({ type: 'spki', format: 'pem' }) as string,
            },
            { kid: 'hs-shared', algorithm: 'HS256', secret },
          ],
        }),
        adapter,
      );
      try {
        const response = await request(app.getHttpServer()).get('/.well-known/jwks.json');
        expect(response.status).toBe(200);
        expect(response.headers['content-type']).toContain('application/json');
        const keys = response.body.keys as JsonWebKey[];
        expect(keys).toHaveLength(2);
        const rsaJwk = rsa.publicKey.export({ format: 'jwk' });
        const ecJwk = ec.publicKey.export({ format: 'jwk' });
        expect(keys).toEqual(
          expect.arrayContaining([
            {
              kty: 'RSA',
              n: rsaJwk.n,
              e: rsaJwk.e,
              kid: 'rs-signing',
              alg: 'RS256',
              use: 'sig',
            },
            {
              kty: 'EC',
              crv: 'P-256',
              x: ecJwk.x,
              y: ecJwk.y,
              kid: 'es-verify-only',
              alg: 'ES256',
              use: 'sig',
            },
          ]),
        );
        for (const jwk of keys) {
          for (const member of PRIVATE_JWK_MEMBERS) expect(jwk).not.toHaveProperty(member);
        }
        expect(JSON.stringify(response.body)).not.toContain('hs-shared');
        expect(JSON.stringify(response.body)).not.toContain(secret.toString('base64url'));

        // A token from /auth/login, checked with nothing but the served JWK and node:crypto.
        const { username } = await createUser(app);
        const tokens = await login(app, username);
        const header = decodeSegment(tokens.access_token, 0);
        expect(header).toMatchObject({ alg: 'RS256', kid: 'rs-signing' });
        const served = keys.find((jwk) => jwk.kid === header.kid)!;
        const publicKey = createPublicKey({ key: served, format: 'jwk' });
        const [encodedHeader, encodedPayload, encodedSignature] = tokens.access_token.split('.');
        expect(
          verify(
            'sha256',
            Buffer.from(`${encodedHeader}.${encodedPayload}`),
            publicKey,
            Buffer.from(encodedSignature, 'base64url'),
          ),
        ).toBe(true);

        // The verify-only key verifies: a token its private half signed is accepted.
        const claims = decodeSegment(tokens.access_token, 1);
        const signedByOldKey = handMade(
          { alg: 'ES256', typ: 'JWT', kid: 'es-verify-only' },
          { ...claims, jti: randomUUID() },
          (input) => signatureOf('ES256', ec.privateKey, input),
        );
        expect((await me(app, signedByOldKey)).status).toBe(200);
      } finally {
        await app.close();
      }
    });

    it('serves {"keys": []} when the ring has only an HS256 key', async () => {
      const app = await createTestApp(
        authModules(database.url, { keys: [{ kid: 'hs-only', algorithm: 'HS256', secret }] }),
        adapter,
      );
      try {
        const response = await request(app.getHttpServer()).get('/.well-known/jwks.json');
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ keys: [] });
      } finally {
        await app.close();
      }
    });
  });

  describe('key rotation across restarts on one database', () => {
    let database: { url: string; drop(): Promise<void> };
    const keyA = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyB = generateKeyPairSync('ec', { namedCurve: 'P-256' });

    beforeAll(async () => {
      database = await createDurableTestDatabase();
    });

    afterAll(async () => {
      await database?.drop();
    });

    it('old tokens verify while the old public key is kept, and are refused once it is gone', async () => {
      const first = await createTestApp(
        authModules(database.url, {
          keys: [{ kid: 'old', algorithm: 'ES256', privateKey: keyA.privateKey }],
        }),
        adapter,
      );
      let username: string;
      let oldSession: { access_token: string; refresh_token: string };
      let refreshedByOldKey: { access_token: string; refresh_token: string };
      try {
        ({ username } = await createUser(first));
        oldSession = await login(first, username);
        refreshedByOldKey = await login(first, username);
        expect(decodeSegment(oldSession.access_token, 0)).toMatchObject({
          alg: 'ES256',
          kid: 'old',
        });
        expect((await me(first, oldSession.access_token)).status).toBe(200);
      } finally {
        await first.close();
      }

      const second = await createTestApp(
        authModules(database.url, {
          keys: [
            { kid: 'new', algorithm: 'ES256', privateKey: keyB.privateKey },
            { kid: 'old', algorithm: 'ES256', publicKey: keyA.publicKey },
          ],
        }),
        adapter,
      );
      let newSession: { access_token: string; refresh_token: string };
      try {
        expect((await me(second, oldSession.access_token)).status).toBe(200);
        newSession = await login(second, username);
        expect(decodeSegment(newSession.access_token, 0)).toMatchObject({
          alg: 'ES256',
          kid: 'new',
        });
        expect(signatureVerifies('ES256', keyB.publicKey, newSession.access_token)).toBe(true);
        expect((await me(second, newSession.access_token)).status).toBe(200);
        const rotated = await refresh(second, refreshedByOldKey.refresh_token);
        expect(rotated.status).toBe(200);
        expect(decodeSegment(rotated.body.access_token, 0)).toMatchObject({ kid: 'new' });
        expect(decodeSegment(rotated.body.refresh_token, 0)).toMatchObject({ kid: 'new' });
      } finally {
        await second.close();
      }

      const third = await createTestApp(
        authModules(database.url, {
          keys: [{ kid: 'new', algorithm: 'ES256', privateKey: keyB.privateKey }],
        }),
        adapter,
      );
      try {
        const refused = await me(third, oldSession.access_token);
        expect(refused.status).toBe(401);
        expect(refused.body.error).toBe('invalid_token');
        const refusedRefresh = await refresh(third, oldSession.refresh_token);
        expect(refusedRefresh.status).toBe(401);
        expect(refusedRefresh.body.error).toBe('invalid_grant');
        expect((await me(third, newSession.access_token)).status).toBe(200);
      } finally {
        await third.close();
      }
    });
  });

  describe('an HS key given as an oct JWK, with the default kid', () => {
    let database: { url: string; drop(): Promise<void> };
    let app: INestApplication;
    const secret = randomBytes(48);
    const k = secret.toString('base64url');
    // RFC 7638 section 3: the required members of an oct JWK, k and kty, in that order.
    const thumbprint = createHash('sha256').update(`{"k":"${k}","kty":"oct"}`).digest('base64url');
    // What earlier versions used as the default kid of a secret.
    const legacyKid = createHash('sha256').update(secret).digest('base64url').slice(0, 16);

    beforeAll(async () => {
      database = await createDurableTestDatabase();
      app = await createTestApp(
        authModules(database.url, { secret: { kty: 'oct', k, alg: 'HS256' } }),
        adapter,
      );
    });

    afterAll(async () => {
      await app?.close();
      await database?.drop();
    });

    /** `token` signed again with the secret under another header. */
    const resigned = (token: string, header: object) =>
      handMade(header, decodeSegment(token, 1), (input) => signatureOf('HS256', secret, input));

    it('signs with the bytes of k, under the RFC 7638 thumbprint as kid', async () => {
      const { username } = await createUser(app);
      const tokens = await login(app, username);
      expect(decodeSegment(tokens.access_token, 0)).toMatchObject({
        alg: 'HS256',
        kid: thumbprint,
      });
      expect(signatureVerifies('HS256', secret, tokens.access_token)).toBe(true);
      expect((await me(app, tokens.access_token)).status).toBe(200);
      expect((await refresh(app, tokens.refresh_token)).status).toBe(200);
    });

    it('still takes tokens issued under the old default kid (an upgrade), and no other kid', async () => {
      const { username } = await createUser(app);
      const tokens = await login(app, username);
      const before = { alg: 'HS256', typ: 'JWT', kid: legacyKid };
      expect((await me(app, resigned(tokens.access_token, before))).status).toBe(200);
      const unknown = await me(app, resigned(tokens.access_token, { ...before, kid: 'unknown' }));
      expect(unknown.status).toBe(401);
      expect(unknown.body.error).toBe('invalid_token');
      // The same refresh token (same jti) as an earlier version would have signed it.
      const rotated = await refresh(app, resigned(tokens.refresh_token, before));
      expect(rotated.status).toBe(200);
      expect(decodeSegment(rotated.body.access_token, 0)).toMatchObject({ kid: thumbprint });
    });

    it('a JWK whose k is too short, or not base64url, stops the boot', async () => {
      for (const bad of [
        { kty: 'oct', k: randomBytes(31).toString('base64url') },
        { kty: 'oct', k: `${k}==` },
      ]) {
        const boot = createTestApp(authModules('sqlite::memory:', { secret: bad }), adapter);
        await expect(boot).rejects.toBeInstanceOf(AuthConfigurationError);
        await expect(boot).rejects.toThrow(/jwt\.secret/);
      }
    });
  });

  describe('verifyJwsSignatureOnly beside the guard', () => {
    let database: { url: string; drop(): Promise<void> };
    let app: INestApplication;
    // RFC 7515 Appendix A.1: its key, and its JWS (iss joe, exp in 2011, no sub, aud or jti).
    const keys: JwtKeyOptions[] = [
      {
        algorithm: 'HS256',
        secret: {
          kty: 'oct',
          k: 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow',
        },
      },
    ];
    const rfc7515A1 =
      'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.' +
      'eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.' +
      'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';

    beforeAll(async () => {
      database = await createDurableTestDatabase();
      app = await createTestApp(authModules(database.url, { keys }), adapter);
    });

    afterAll(async () => {
      await app?.close();
      await database?.drop();
    });

    it('accepts the signature of a JWS the guard refuses for its claims', async () => {
      const { payload } = await verifyJwsSignatureOnly(rfc7515A1, keys);
      expect(JSON.parse(Buffer.from(payload).toString('utf8'))).toMatchObject({ iss: 'joe' });
      const refused = await me(app, rfc7515A1);
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe('invalid_token');
    });

    it('verifies the tokens the app issues with the keys the app is given', async () => {
      const { username } = await createUser(app);
      const tokens = await login(app, username);
      const { header, payload } = await verifyJwsSignatureOnly(tokens.access_token, keys);
      expect(header).toMatchObject({
        alg: 'HS256',
        kid: decodeSegment(tokens.access_token, 0).kid,
      });
      expect(JSON.parse(Buffer.from(payload).toString('utf8'))).toMatchObject({ typ: 'access' });
      const [head, body] = tokens.access_token.split('.');
      await expect(
        verifyJwsSignatureOnly(`${head}.${body}.${'A'.repeat(43)}`, keys),
      ).rejects.toBeInstanceOf(InvalidTokenException);
    });
  });

  describe.each([
    { alg: 'RS256' as const, kid: 'server-rs' },
    { alg: 'ES256' as const, kid: 'server-es' },
  ])('forged and malformed tokens against an app signing with $alg', ({ alg, kid }) => {
    const server =
      alg === 'RS256'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const attackerRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const attackerEc = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const attackerKeys = [
      { alg: 'RS256', pair: attackerRsa },
      { alg: 'ES256', pair: attackerEc },
    ] as const;
    const publicPem = server.publicKey.export({ type: 'spki', format: 'pem' }) as string;

    let app: INestApplication;
    let database: { url: string; drop(): Promise<void> };
    let userId: string;
    let keyServer: Server;
    let keyServerUrl: string;
    const keyServerRequests: string[] = [];
    const now = () => Math.floor(Date.now() / 1000);

    function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
      return {
        sub: userId,
        typ: 'access',
        sid: 'attack-session',
        jti: randomUUID(),
        iat: now(),
        exp: now() + 600,
        iss: 'portcullis',
        aud: 'portcullis',
        ...overrides,
      };
    }

    /** A token the server's own private key signed, with any header and payload. */
    function signedByServer(header: Record<string, unknown>, payload: unknown = claims()): string {
      return handMade({ alg, typ: 'JWT', kid, ...header }, payload, (input) =>
        signatureOf(alg, server.privateKey, input),
      );
    }

    async function expectRejected(token: string, error = 'invalid_token') {
      const response = await me(app, token);
      expect(response.status, `${token.slice(0, 80)}...`).toBe(401);
      expect(response.body.error).toBe(error);
      expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
    }

    beforeAll(async () => {
      keyServer = createServer((incoming, response) => {
        keyServerRequests.push(`${incoming.method} ${incoming.url}`);
        const keys = attackerKeys.map(({ alg: attackerAlg, pair }) => ({
          ...pair.publicKey.export({ format: 'jwk' }),
          kid: 'attacker',
          alg: attackerAlg,
          use: 'sig',
        }));
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify({ keys }));
      });
      await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
      keyServerUrl = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}`;
      database = await createDurableTestDatabase();
      app = await createTestApp(
        authModules(database.url, {
          keys: [{ kid, algorithm: alg, privateKey: server.privateKey }],
        }),
        adapter,
      );
      userId = (await createUser(app)).id;
    });

    afterAll(async () => {
      await app?.close();
      await database?.drop();
      await new Promise((resolve) => keyServer?.close(resolve));
    });

    it('accepts a hand-made token signed with its key, with and without kid (the control)', async () => {
      expect((await me(app, signedByServer({}))).status).toBe(200);
      expect((await me(app, signedByServer({ kid: undefined }))).status).toBe(200);
    });

    it.each([
      ['the PEM', () => publicPem],
      ['the PEM after a newline', () => `\n${publicPem}`],
      ['the PEM after spaces and a newline', () => `   \n${publicPem}`],
      ['the PEM without its final newline', () => publicPem.trim()],
      ['the DER bytes', () => server.publicKey.export({ type: 'spki', format: 'der' })],
      ['the bare JWK JSON', () => JSON.stringify(server.publicKey.export({ format: 'jwk' }))],
    ])(
      'refuses HS256/384/512 signed with the public key as HMAC secret: %s',
      async (_form, secretOf) => {
        const secret = secretOf();
        for (const hmac of ['HS256', 'HS384', 'HS512']) {
          for (const header of [
            { alg: hmac, kid },
            { alg: hmac, typ: 'JWT', kid },
            { alg: hmac },
          ]) {
            await expectRejected(
              handMade(header, claims(), (input) => signatureOf(hmac, secret, input)),
            );
          }
        }
      },
    );

    it('refuses HS256 signed with the JWK JSON string served at /.well-known/jwks.json', async () => {
      const jwks = await request(app.getHttpServer()).get('/.well-known/jwks.json').expect(200);
      const served = jwks.body.keys[0] as JsonWebKey;
      expect(served.kid).toBe(kid);
      for (const secret of [
        JSON.stringify(served),
        JSON.stringify(jwks.body),
        served.n ?? served.x!,
      ]) {
        for (const header of [{ alg: 'HS256', kid }, { alg: 'HS256' }]) {
          await expectRejected(
            handMade(header, claims(), (input) => signatureOf('HS256', secret, input)),
          );
        }
      }
    });

    it.each(['none', 'None', 'NONE', 'nOnE'])(
      'refuses alg %s with the server kid',
      async (none) => {
        const genuine = signedByServer({}).split('.')[2];
        for (const header of [{ alg: none, kid }, { alg: none, typ: 'JWT', kid }, { alg: none }]) {
          const input = `${segment(header)}.${segment(claims())}`;
          await expectRejected(`${input}.`);
          await expectRejected(`${input}.${genuine}`);
          await expectRejected(input);
        }
      },
    );

    it.each(attackerKeys)(
      'ignores an embedded jwk header carrying the attacker’s own $alg key',
      async ({ alg: attackerAlg, pair }) => {
        const jwk = { ...pair.publicKey.export({ format: 'jwk' }), alg: attackerAlg, use: 'sig' };
        const attackerKid = createHash('sha256').update(JSON.stringify(jwk)).digest('base64url');
        for (const header of [
          { alg: attackerAlg, jwk, kid },
          { alg: attackerAlg, jwk: { ...jwk, kid }, kid },
          { alg: attackerAlg, jwk },
          { alg: attackerAlg, jwk: { ...jwk, kid: attackerKid }, kid: attackerKid },
        ]) {
          await expectRejected(
            handMade(header, claims(), (input) => signatureOf(attackerAlg, pair.privateKey, input)),
          );
        }
      },
    );

    it.each(['jku', 'x5u'])(
      'never fetches a %s URL, and refuses the token it names',
      async (member) => {
        for (const { alg: attackerAlg, pair } of attackerKeys) {
          const url = `${keyServerUrl}/${member}/keys.json`;
          for (const header of [
            { alg: attackerAlg, [member]: url, kid: 'attacker' },
            { alg: attackerAlg, [member]: url, kid },
            { alg: attackerAlg, [member]: url },
          ]) {
            await expectRejected(
              handMade(header, claims(), (input) =>
                signatureOf(attackerAlg, pair.privateKey, input),
              ),
            );
          }
        }
        expect(keyServerRequests).toEqual([]);
      },
    );

    it.each([
      ['an empty string', ''],
      ['a path', '../../../../dev/null'],
      ['an SQL fragment', "' OR 1=1 --"],
      ['an unknown id', 'unknown'],
      ['a number', 42],
      ['null', null],
      ['an object', { kid }],
      ['an array', [kid]],
    ])('refuses a kid that is %s', async (_name, badKid) => {
      await expectRejected(signedByServer({ kid: badKid }));
      for (const secret of ['', publicPem]) {
        await expectRejected(
          handMade({ alg: 'HS256', kid: badKid }, claims(), (input) =>
            signatureOf('HS256', secret, input),
          ),
        );
      }
    });

    if (alg === 'RS256') {
      it('refuses a PS256 token signed with the server’s RSA key (one algorithm per key)', async () => {
        await expectRejected(
          handMade({ alg: 'PS256', typ: 'JWT', kid }, claims(), (input) =>
            signatureOf('PS256', server.privateKey, input),
          ),
        );
      });
    }

    if (alg === 'ES256') {
      const forgeries: Array<[string, (r: Buffer, s: Buffer) => Buffer]> = [
        ['64 zero bytes', () => Buffer.alloc(64)],
        ['r = 0', (r: Buffer, s: Buffer) => Buffer.concat([Buffer.alloc(32), s])],
        ['s = 0', (r: Buffer) => Buffer.concat([r, Buffer.alloc(32)])],
        ['r = n', (r: Buffer, s: Buffer) => Buffer.concat([P256_ORDER, s])],
        ['s = n', (r: Buffer) => Buffer.concat([r, P256_ORDER])],
        ['r = s = n', () => Buffer.concat([P256_ORDER, P256_ORDER])],
        ['an extra zero byte', (r: Buffer, s: Buffer) => Buffer.concat([r, s, Buffer.alloc(1)])],
        ['its last byte cut', (r: Buffer, s: Buffer) => Buffer.concat([r, s]).subarray(0, 63)],
        ['no bytes at all', () => Buffer.alloc(0)],
      ];
      it.each(forgeries)('refuses an ES256 signature with %s', async (_name, forge) => {
        const header = { alg: 'ES256', typ: 'JWT', kid };
        const input = `${segment(header)}.${segment(claims())}`;
        const genuine = signatureOf('ES256', server.privateKey, input);
        expect(
          signatureVerifies('ES256', server.publicKey, `${input}.${genuine.toString('base64url')}`),
        ).toBe(true);
        const forged = forge(genuine.subarray(0, 32), genuine.subarray(32));
        await expectRejected(`${input}.${forged.toString('base64url')}`);
      });

      it('refuses a genuine ES256 signature in DER (ASN.1) rather than r || s form', async () => {
        const header = { alg: 'ES256', typ: 'JWT', kid };
        const input = `${segment(header)}.${segment(claims())}`;
        const der = sign('sha256', Buffer.from(input), {
          key: server.privateKey,
          dsaEncoding: 'der',
        });
        expect(verify('sha256', Buffer.from(input), server.publicKey, der)).toBe(true);
        await expectRejected(`${input}.${der.toString('base64url')}`);
      });
    }

    it('refuses a crit header naming a claim, or an extension it does not understand', async () => {
      await expectRejected(signedByServer({ crit: ['exp'] }));
      await expectRejected(signedByServer({ crit: ['unknown-ext'], 'unknown-ext': true }));
      await expectRejected(signedByServer({ crit: ['unknown-ext'] }));
      await expectRejected(signedByServer({ crit: [] }));
      await expectRejected(signedByServer({ crit: 'unknown-ext', 'unknown-ext': true }));
    });

    it('refuses a well-signed token for another issuer or audience', async () => {
      await expectRejected(signedByServer({}, claims({ iss: 'https://elsewhere.example' })));
      await expectRejected(signedByServer({}, claims({ aud: 'another-api' })));
      await expectRejected(signedByServer({}, claims({ aud: ['another-api'] })));
      await expectRejected(signedByServer({}, claims({ iss: ['portcullis'] })));
    });

    /** JSON whose `note` member holds bytes that are not UTF-8 (RFC 3629): 0xFF, 0xFE, 0xC3 0x28. */
    function withInvalidUtf8(json: Record<string, unknown>): Buffer {
      const [before, after] = JSON.stringify({ ...json, note: 'PLACEHOLDER' }).split('PLACEHOLDER');
      const bytes = Buffer.concat([
        Buffer.from(before),
        Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
        Buffer.from(after),
      ]);
      expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
      return bytes;
    }

    it('refuses a payload that is not valid UTF-8: forged, and well signed (RFC 7519 7.2 step 10)', async () => {
      const payload = withInvalidUtf8(claims());
      const attacker = attackerKeys[alg === 'RS256' ? 0 : 1].pair;
      await expectRejected(
        handMade({ alg, kid }, payload, (input) => signatureOf(alg, attacker.privateKey, input)),
      );
      await expectRejected(signedByServer({}, payload));
    });

    it('refuses a header that is not valid UTF-8, even when well signed (RFC 7515 5.2 step 3)', async () => {
      const header = withInvalidUtf8({ alg, typ: 'JWT', kid });
      await expectRejected(
        handMade(header, claims(), (input) => signatureOf(alg, server.privateKey, input)),
      );
    });

    it('refuses a well-signed payload that is a JSON array, null, a number or a string', async () => {
      for (const payload of [[claims()], null, 42, 'claims']) {
        await expectRejected(signedByServer({}, payload));
      }
    });

    it('reports a well-signed expired token as token_expired, a forged one as invalid_token', async () => {
      const expired = claims({ iat: now() - 3600, exp: now() - 120 });
      await expectRejected(signedByServer({}, expired), 'token_expired');
      const attacker = attackerKeys[alg === 'RS256' ? 0 : 1].pair;
      const forged = handMade({ alg, typ: 'JWT', kid }, expired, (input) =>
        signatureOf(alg, attacker.privateKey, input),
      );
      await expectRejected(forged, 'invalid_token');
      const [header, payload] = signedByServer({}, expired).split('.');
      await expectRejected(`${header}.${payload}.`, 'invalid_token');
      await expectRejected(
        handMade({ alg: 'HS256', kid }, expired, (input) => signatureOf('HS256', publicPem, input)),
        'invalid_token',
      );
    });

    it('made no request to the jku/x5u server during any of the attacks', async () => {
      expect(keyServerRequests).toEqual([]);
    });
  });
});
