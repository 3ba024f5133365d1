import type { INestApplication } from '@nestjs/common';
import { createHmac, randomUUID } from 'node:crypto';
import { AuthModule, RevokedSessionRegistry, User, UserService } from 'portcullis';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';
// A leeway this wide makes the window that covers a token's whole reach (iat ahead by the leeway,
// a lifetime of ttl + leeway, verification a leeway past exp) clearly longer than ttl + leeway + 60.
const TTL = 60;
const LEEWAY = 120;

/** Signs an HS256 token with the app's secret, as another service holding the key could. */
function minted(claims: Record<string, unknown>): string {
  const input = `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${createHmac('sha256', TEST_JWT_SECRET).update(input).digest('base64url')}`;
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

describe.each(ADAPTERS)('access-token lifetime and revocation on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  let counter = 0;
  const http = () => request(app.getHttpServer());
  const now = () => Math.floor(Date.now() / 1000);
  const me = (token: string) => http().get('/auth/me').set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp(
      [
        testTypeOrmModule(database.url),
        AuthModule.forRoot({
          routes: true,
          jwt: { secret: TEST_JWT_SECRET, accessTokenTtl: TTL, leeway: LEEWAY },
          revocationSyncInterval: 200,
        }),
      ],
      adapter,
    );
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  async function loggedIn() {
    const username = `life${++counter}`;
    await app.get<UserService<User>>(UserService).createUser({ username, password: PASSWORD });
    const login = await http()
      .post('/auth/login')
      .send({ username, password: PASSWORD })
      .expect(200);
    const token: string = login.body.access_token;
    const { sub, sid } = claimsOf(token) as { sub: string; sid: string };
    return { token, sub, sid };
  }

  function claims(sub: string, sid: string, overrides: Record<string, unknown> = {}) {
    return {
      typ: 'access',
      sub,
      sid,
      jti: randomUUID(),
      iss: 'portcullis',
      aud: 'portcullis',
      iat: now(),
      exp: now() + TTL,
      ...overrides,
    };
  }

  /**
   * Moves this process' clock (`Date.now`, which the token checks and the registry read) to `seconds`,
   * and reads the ended sessions as of then.
   */
  async function at(seconds: number) {
    vi.spyOn(Date, 'now').mockReturnValue(seconds * 1000);
    const registry = app.get(RevokedSessionRegistry);
    // Twice: a read already under way started before the clock moved.
    await registry.sync();
    await registry.sync();
  }

  async function expectRefused(token: string, error: string) {
    const response = await me(token);
    expect(response.status).toBe(401);
    expect(response.body.error).toBe(error);
    expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
  }

  it('refuses a too-long-lived access token as a bearer even after it was shown at the refresh route first', async () => {
    const { sub, sid } = await loggedIn();
    const start = now();
    const hourLong = minted(claims(sub, sid, { iat: start, exp: start + 3600 }));
    const refreshed = await http().post('/auth/refresh').send({ refresh_token: hourLong });
    expect(refreshed.status).toBe(401);
    expect(refreshed.body.error).toBe('invalid_grant');
    await expectRefused(hourLong, 'invalid_token');
    await expectRefused(hourLong, 'invalid_token');
  });

  it('refuses a token whose lifetime exceeds accessTokenTtl + leeway, before and after logout', async () => {
    const { token, sub, sid } = await loggedIn();
    await me(token).expect(200);
    const start = now();
    const hourLong = minted(claims(sub, sid, { iat: start, exp: start + 3600 }));
    const justOver = minted(claims(sub, sid, { iat: start, exp: start + TTL + LEEWAY + 1 }));
    const longest = minted(claims(sub, sid, { iat: start, exp: start + TTL + LEEWAY }));
    await expectRefused(hourLong, 'invalid_token');
    await expectRefused(justOver, 'invalid_token');
    await me(longest).expect(200);
    await http().post('/auth/logout').set('Authorization', `Bearer ${token}`).expect(204);
    await expectRefused(longest, 'token_revoked');
    // Where the revoked-session memory used to end (ttl + leeway + 60 s), the hour-long token is
    // still refused: it never verified.
    await at(start + TTL + LEEWAY + 61);
    await expectRefused(hourLong, 'invalid_token');
  });

  it('keeps a logged-out session refused for as long as its longest-reaching token verifies', async () => {
    const { token, sub, sid } = await loggedIn();
    const start = now();
    // Issued by a clock ahead by the leeway, with the longest lifetime allowed: it verifies until
    // start + LEEWAY + TTL + LEEWAY + LEEWAY.
    const iat = start + LEEWAY;
    const reaching = minted(claims(sub, sid, { iat, exp: iat + TTL + LEEWAY }));
    await me(reaching).expect(200);
    await http().post('/auth/logout').set('Authorization', `Bearer ${token}`).expect(204);
    await expectRefused(reaching, 'token_revoked');
    const lastSecond = iat + TTL + LEEWAY + LEEWAY - 2;
    for (const moment of [start + TTL + LEEWAY + 61, start + TTL + 2 * LEEWAY + 61, lastSecond]) {
      await at(moment);
      await expectRefused(reaching, 'token_revoked');
    }
    await at(lastSecond + 5);
    await expectRefused(reaching, 'token_expired');
  });

  it('a session ended in another process (known only in memory) is remembered as long', async () => {
    const { sub } = await loggedIn();
    const sid = `elsewhere-${randomUUID()}`;
    const start = now();
    const iat = start + LEEWAY;
    const reaching = minted(claims(sub, sid, { iat, exp: iat + TTL + LEEWAY }));
    // What a Redis message from another process does: no row of this session in this database.
    app.get(RevokedSessionRegistry).markRevoked([sid]);
    await expectRefused(reaching, 'token_revoked');
    await at(iat + TTL + LEEWAY + LEEWAY - 2);
    await expectRefused(reaching, 'token_revoked');
  });

  it('refuses an iat later than now + leeway, and accepts one within it', async () => {
    const { sub, sid } = await loggedIn();
    const start = now();
    await expectRefused(
      minted(claims(sub, sid, { iat: start + LEEWAY + 5, exp: start + LEEWAY + 5 + TTL })),
      'invalid_token',
    );
    await me(minted(claims(sub, sid, { iat: start + LEEWAY - 5, exp: start + TTL }))).expect(200);
  });
});
