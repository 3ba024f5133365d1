import type { INestApplication } from '@nestjs/common';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  AuthModule,
  PasswordHasher,
  User,
  UserService,
  type JwtAlgorithm,
  type JwtKeyOptions,
} from 'portcullis';
import request from 'supertest';
import { testTypeOrmModule } from '../support/test-database.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_JWT_SECRET } from '../support/test-app.js';

// Independent implementations from Debian's packages: python3-jwt (PyJWT) and python3-argon2
// (argon2-cffi over the reference libargon2). `.ci/ensure-services` installs them.
const PYTHON = process.env.INTEROP_PYTHON ?? '/usr/bin/python3';
const tool = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

function python<T>(script: string, input: object): T {
  const run = spawnSync(PYTHON, [tool(script)], { input: JSON.stringify(input), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${script} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

const PASSWORD = 'correct horse battery';
const pem = (key: KeyObject) =>
  key.export({ type: key.type === 'private' ? 'pkcs8' : 'spki', format: 'pem' }) as string;

interface AlgorithmCase {
  algorithm: JwtAlgorithm;
  key: JwtKeyOptions;
  /** What PyJWT signs with and verifies with. */
  signWith: string;
  verifyWith: string;
}

function algorithmCase(algorithm: JwtAlgorithm): AlgorithmCase {
  const kid = `interop-${algorithm}`;
  if (algorithm.startsWith('HS')) {
    const secret = randomBytes(48).toString('base64url');
    return { algorithm, key: { kid, algorithm, secret }, signWith: secret, verifyWith: secret };
  }
  const pair =
    algorithm === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : algorithm === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    algorithm,
    key: { kid, algorithm, privateKey: pem(pair.privateKey) },
    signWith: pem(pair.privateKey),
    verifyWith: pem(pair.publicKey),
  };
}

async function startApp(keys: JwtKeyOptions[]): Promise<INestApplication> {
  return createTestApp(
    [testTypeOrmModule('sqlite::memory:'), AuthModule.forRoot({ routes: true, jwt: { keys } })],
    'express',
  );
}

describe('PyJWT and Portcullis agree', () => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it.each(['HS256', 'HS384', 'HS512', 'RS256', 'PS256', 'ES256', 'EdDSA'] as JwtAlgorithm[])(
    '%s: Portcullis tokens verify in PyJWT, and PyJWT tokens verify in Portcullis',
    async (algorithm) => {
      const setup = algorithmCase(algorithm);
      app = await startApp([setup.key]);
      const user = await app
        .get<UserService<User>>(UserService)
        .createUser({ username: 'ivy', password: PASSWORD });
      const login = await request(app.getHttpServer())
        .post('/auth/login')
        .send({ username: 'ivy', password: PASSWORD })
        .expect(200);

      const verified = python<{
        claims?: Record<string, unknown>;
        header?: object;
        error?: string;
      }>('pyjwt_tool.py', {
        op: 'verify',
        token: login.body.access_token,
        key: setup.verifyWith,
        alg: algorithm,
        issuer: 'portcullis',
        audience: 'portcullis',
      });
      expect(verified.error).toBeUndefined();
      expect(verified.header).toMatchObject({ alg: algorithm, kid: setup.key.kid });
      expect(verified.claims).toMatchObject({ sub: String(user.id), typ: 'access' });

      const now = Math.floor(Date.now() / 1000);
      const minted = python<{ token: string }>('pyjwt_tool.py', {
        op: 'sign',
        alg: algorithm,
        kid: setup.key.kid,
        key: setup.signWith,
        claims: {
          sub: String(user.id),
          typ: 'access',
          sid: randomUUID(),
          jti: randomUUID(),
          iat: now,
          exp: now + 300,
          iss: 'portcullis',
          aud: 'portcullis',
        },
      });
      const me = await request(app.getHttpServer())
        .get('/auth/me')
        .set('Authorization', `Bearer ${minted.token}`);
      expect(me.status).toBe(200);
      expect(me.body.username).toBe('ivy');
    },
  );
});

describe('argon2-cffi (reference libargon2) and Portcullis agree', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await startApp([{ algorithm: 'HS256', secret: TEST_JWT_SECRET }]);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('verifies Portcullis hashes, and Portcullis verifies its hashes without re-hashing', async () => {
    const hasher = app.get(PasswordHasher);
    const ours = await hasher.hash('pässwörd ✓');
    expect(
      python<{ ok: boolean }>('argon2_tool.py', {
        op: 'verify',
        hash: ours,
        password: 'pässwörd ✓',
      }).ok,
    ).toBe(true);
    expect(
      python<{ ok: boolean }>('argon2_tool.py', {
        op: 'verify',
        hash: ours,
        password: 'passwörd ✓',
      }).ok,
    ).toBe(false);

    const theirs = python<{ hash: string }>('argon2_tool.py', {
      op: 'hash',
      password: PASSWORD,
    }).hash;
    expect(await hasher.verify(theirs, PASSWORD)).toBe(true);
    expect(hasher.needsRehash(theirs)).toBe(false);

    const users = app.get<UserService<User>>(UserService);
    const user = await users.createUser({ username: 'imported', password: null });
    await users.updateColumns(user, { passwordHash: theirs });
    await request(app.getHttpServer())
      .post('/auth/login')
      .send({ username: 'imported', password: PASSWORD })
      .expect(200);
  });
});
