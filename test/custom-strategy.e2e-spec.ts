import {
  Controller,
  Get,
  HttpCode,
  Injectable,
  Module,
  Post,
  Req,
  UseGuards,
  type INestApplication,
  type Provider,
  type Type,
} from '@nestjs/common';
import { createHmac } from 'node:crypto';
import {
  ApiKeyService,
  AuthModule,
  CurrentUser,
  InvalidTokenException,
  LoginRequiredGuard,
  PermissionService,
  Permissions,
  User,
  UserService,
  type AuthenticatedRequest,
  type AuthRequest,
  type CredentialStrategy,
  type StrategyVerdict,
} from 'portcullis';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SignedRequestStrategy } from './fixtures/signed-request.strategy.js';
import { SigningKeys } from './fixtures/signing-keys.service.js';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET, type AdapterName } from './support/test-app.js';
import { testTypeOrmModule } from './support/test-database.js';

const PASSWORD = 'correct horse battery';
const PEPPER = 'a-pepper-for-the-signed-request-tests-0123456789';
const MEMORY_SECRET = 'the-secret-of-a-key-kept-in-memory-0123456789';
const VAULT_SECRET = 'the-secret-of-a-key-kept-in-the-vault-01234567';
const WHOAMI = '/signed/whoami';

/** What a guarded route sees: `@CurrentUser()` and `request.authInfo`. */
function seen(user: User, request: AuthenticatedRequest) {
  return {
    username: user.username,
    passwordHash: user.passwordHash ?? null,
    authInfo: request.authInfo,
  };
}

@Controller('signed')
@UseGuards(LoginRequiredGuard)
class SignedController {
  @Get('whoami')
  whoami(@CurrentUser() user: User, @Req() request: AuthenticatedRequest) {
    return seen(user, request);
  }

  @Post('whoami')
  @HttpCode(200)
  post(@CurrentUser() user: User, @Req() request: AuthenticatedRequest) {
    return seen(user, request);
  }

  @Get('reports')
  @Permissions('reports.read')
  reports(@CurrentUser() user: User, @Req() request: AuthenticatedRequest) {
    return seen(user, request);
  }
}

function authOptions(strategies: Array<'jwt' | 'api-key' | Type<CredentialStrategy>>) {
  return AuthModule.forRoot({
    strategies,
    routes: true,
    jwt: { secret: TEST_JWT_SECRET },
    apiKeys: { pepper: PEPPER },
  });
}

async function startFixture(adapter: AdapterName): Promise<INestApplication> {
  @Module({
    imports: [
      testTypeOrmModule('sqlite::memory:'),
      authOptions(['jwt', SignedRequestStrategy, 'api-key']),
    ],
    controllers: [SignedController],
    providers: [SigningKeys, SignedRequestStrategy],
  })
  class SignedRequestFixture {}
  return createTestApp([SignedRequestFixture], adapter);
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

interface Signing {
  method?: string;
  path?: string;
  ts?: number;
  scheme?: string;
}

/** A client's `Authorization: Signature` value, computed here independently of the strategy. */
function signature(keyId: string, secret: string, signing: Signing = {}): string {
  const { method = 'GET', path = WHOAMI, ts = nowSeconds(), scheme = 'Signature' } = signing;
  const sig = createHmac('sha256', secret).update(`${method}\n${path}\n${ts}`).digest('base64url');
  return `${scheme} keyId="${keyId}",ts="${ts}",sig="${sig}"`;
}

/** The first character of the signature changed: the last one carries two bits base64url ignores. */
function tampered(header: string): string {
  return header.replace(/sig="(.)/, (_, first: string) => `sig="${first === 'A' ? 'B' : 'A'}`);
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  challenge: string | undefined;
}

async function send(
  app: INestApplication,
  headers: Record<string, string>,
  method: 'GET' | 'POST' = 'GET',
  path = WHOAMI,
): Promise<Answer> {
  const server = request(app.getHttpServer());
  let call = method === 'GET' ? server.get(path) : server.post(path);
  for (const [name, value] of Object.entries(headers)) call = call.set(name, value);
  const response = await call;
  return {
    status: response.status,
    body: response.body as Record<string, unknown>,
    challenge: response.headers['www-authenticate'] as string | undefined,
  };
}

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:8200'), { code: 'ECONNREFUSED' });
}

describe.each(ADAPTERS)('an application’s own strategy in the chain on %s', (adapter) => {
  let app: INestApplication;
  let keys: SigningKeys;
  let users: UserService<User>;
  let alice: User;
  let token: string;
  let apiKey: string;

  beforeAll(async () => {
    app = await startFixture(adapter);
    keys = app.get(SigningKeys);
    users = app.get<UserService<User>>(UserService);
    alice = await users.createUser({ username: 'alice', password: PASSWORD });
    const ivy = await users.createUser({ username: 'ivy', password: null });
    keys.add('alice-memory', { secret: MEMORY_SECRET, username: 'alice' });
    keys.add('alice-vault', { secret: VAULT_SECRET, username: 'alice' }, 'vault');
    keys.add('ghost', { secret: MEMORY_SECRET, username: 'nobody' });
    keys.add('ivy', { secret: MEMORY_SECRET, username: ivy.username });
    const login = await request(app.getHttpServer())
      .post('/auth/login')
      .send({ username: 'alice', password: PASSWORD })
      .expect(200);
    token = login.body.access_token as string;
    apiKey = (
      await app
        .get<ApiKeyService<User>>(ApiKeyService)
        .createKey(String(alice.id), { label: 'beside a signature' })
    ).key;
  });

  afterEach(() => {
    keys.failWith(undefined);
  });

  afterAll(async () => {
    await app?.close();
  });

  describe('a good signature', () => {
    it('lets the key’s owner in: @CurrentUser() is the user, authInfo names the key', async () => {
      const answer = await send(app, { authorization: signature('alice-memory', MEMORY_SECRET) });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        username: 'alice',
        passwordHash: null,
        authInfo: { strategy: 'signed-request', keyId: 'alice-memory' },
      });
    });

    it.each<[string, () => Parameters<typeof send>]>([
      [
        'a POST signed as a POST',
        () => [
          app,
          { authorization: signature('alice-memory', MEMORY_SECRET, { method: 'POST' }) },
          'POST',
        ],
      ],
      [
        'a path with its query string signed',
        () => [
          app,
          { authorization: signature('alice-memory', MEMORY_SECRET, { path: `${WHOAMI}?page=2` }) },
          'GET',
          `${WHOAMI}?page=2`,
        ],
      ],
      [
        'the scheme in lower case',
        () => [
          app,
          { authorization: signature('alice-memory', MEMORY_SECRET, { scheme: 'signature' }) },
        ],
      ],
      [
        'a timestamp 30 s old',
        () => [
          app,
          { authorization: signature('alice-memory', MEMORY_SECRET, { ts: nowSeconds() - 30 }) },
        ],
      ],
    ])('passes with %s', async (_, call) => {
      const answer = await send(...call());
      expect(answer.status).toBe(200);
      expect(answer.body.authInfo).toEqual({ strategy: 'signed-request', keyId: 'alice-memory' });
    });

    it('works with @Permissions: 403 insufficient_permissions, then 200 once granted', async () => {
      const signed = () => ({
        authorization: signature('alice-memory', MEMORY_SECRET, { path: '/signed/reports' }),
      });
      const refused = await send(app, signed(), 'GET', '/signed/reports');
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({
        error: 'insufficient_permissions',
        missing: ['reports.read'],
      });
      expect(refused.challenge).toBeUndefined();

      await app.get(PermissionService).grantToUser(String(alice.id), 'reports.read');
      const allowed = await send(app, signed(), 'GET', '/signed/reports');
      expect(allowed.status).toBe(200);
      expect(allowed.body).toMatchObject({
        username: 'alice',
        authInfo: { strategy: 'signed-request', keyId: 'alice-memory' },
      });
    });
  });

  describe('a bad signature is a hard failure that stops the chain', () => {
    const now = nowSeconds;
    it.each<[string, () => string]>([
      ['a signature under another secret', () => signature('alice-memory', VAULT_SECRET)],
      ['a tampered signature', () => tampered(signature('alice-memory', MEMORY_SECRET))],
      [
        'a tampered signature from the vault',
        () => tampered(signature('alice-vault', VAULT_SECRET)),
      ],
      [
        'a signature of another path',
        () => signature('alice-memory', MEMORY_SECRET, { path: '/signed/reports' }),
      ],
      [
        'a signature of another method',
        () => signature('alice-memory', MEMORY_SECRET, { method: 'POST' }),
      ],
      [
        'another timestamp than the signed one',
        () =>
          signature('alice-memory', MEMORY_SECRET, { ts: now() - 5 }).replace(
            /ts="\d+"/,
            `ts="${now()}"`,
          ),
      ],
      ['an unknown key', () => signature('nobody-knows', MEMORY_SECRET)],
      [
        'a stale timestamp (90 s old)',
        () => signature('alice-memory', MEMORY_SECRET, { ts: now() - 90 }),
      ],
      [
        'a timestamp 90 s ahead',
        () => signature('alice-memory', MEMORY_SECRET, { ts: now() + 90 }),
      ],
      ['a stale timestamp from the vault', () => signature('alice-vault', VAULT_SECRET, { ts: 1 })],
      ['a key whose owner does not exist', () => signature('ghost', MEMORY_SECRET)],
      ['the scheme alone', () => 'Signature'],
      ['a header without sig', () => `Signature keyId="alice-memory",ts="${now()}"`],
      [
        'a header with keyId twice',
        () =>
          signature('alice-memory', MEMORY_SECRET).replace('Signature ', 'Signature keyId="x",'),
      ],
      [
        'an unquoted parameter',
        () => signature('alice-memory', MEMORY_SECRET).replace(/ts="(\d+)"/, 'ts=$1'),
      ],
    ])(
      'refuses %s with 401 invalid_token, even with a good X-API-Key beside it',
      async (_, header) => {
        const answer = await send(app, { authorization: header(), 'x-api-key': apiKey });
        expect(answer.status).toBe(401);
        expect(answer.body).toMatchObject({ statusCode: 401, error: 'invalid_token' });
        expect(answer.body).not.toHaveProperty('username');
        // The failing strategy's challenge carries the error; the Bearer one (jwt, api-key) does not.
        expect(answer.challenge).toBe(
          `Bearer realm="portcullis", Signature realm="portcullis", error="invalid_token", error_description="${String(answer.body.message)}"`,
        );
      },
    );

    it('refuses a key once its owner is deactivated, though the cached user was good', async () => {
      const ivyHeader = () => ({ authorization: signature('ivy', MEMORY_SECRET) });
      expect((await send(app, ivyHeader())).status).toBe(200);
      expect((await send(app, ivyHeader())).status).toBe(200);
      const ivy = (await users.findByHandle('ivy'))!;
      await users.updateColumns(ivy, { isActive: false });
      const answer = await send(app, ivyHeader());
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: 'invalid_token' });
      expect(answer.challenge).toContain('Signature realm="portcullis", error="invalid_token"');
    });
  });

  describe('its place in the chain', () => {
    it('leaves a request with only a JWT to jwt (not mine)', async () => {
      const answer = await send(app, { authorization: `Bearer ${token}` });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ username: 'alice', authInfo: { strategy: 'jwt' } });
    });

    it.each([
      ['X-API-Key', () => ({ 'x-api-key': apiKey })],
      ['Authorization: Bearer', () => ({ authorization: `Bearer ${apiKey}` })],
    ])('leaves a request with only an API key in %s to api-key (not mine)', async (_, headers) => {
      const answer = await send(app, headers());
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ username: 'alice', authInfo: { strategy: 'api-key' } });
    });

    it('decides before api-key: a good signature passes beside a garbage X-API-Key', async () => {
      const answer = await send(app, {
        authorization: signature('alice-memory', MEMORY_SECRET),
        'x-api-key': 'pcs_garbage',
      });
      expect(answer.status).toBe(200);
      expect(answer.body.authInfo).toEqual({ strategy: 'signed-request', keyId: 'alice-memory' });
    });

    it('answers an anonymous request with 401 and both the Bearer and Signature challenges', async () => {
      const answer = await send(app, {});
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: 'not_authenticated' });
      expect(answer.challenge).toBe('Bearer realm="portcullis", Signature realm="portcullis"');
    });

    it('puts a bad JWT’s error on the Bearer challenge, not on the Signature one', async () => {
      const forged = `${token.slice(0, -4)}AAAA`;
      const answer = await send(app, { authorization: `Bearer ${forged}` });
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: 'invalid_token' });
      expect(answer.challenge).toMatch(
        /^Bearer realm="portcullis", error="invalid_token", error_description="[^"]+", Signature realm="portcullis"$/,
      );
    });
  });

  describe('errors that are not authentication failures', () => {
    it.each([
      ['memory', 'alice-memory', MEMORY_SECRET],
      ['vault', 'alice-vault', VAULT_SECRET],
    ])(
      'an outage of the %s key store is 503 service_unavailable, never 200',
      async (_, keyId, secret) => {
        keys.failWith(refused());
        const answer = await send(app, { authorization: signature(keyId, secret) });
        expect(answer.status).toBe(503);
        expect(answer.body).toEqual({
          statusCode: 503,
          error: 'service_unavailable',
          message: expect.any(String),
        });
        expect(JSON.stringify(answer.body)).not.toContain('ECONNREFUSED');
        keys.failWith(undefined);
        expect((await send(app, { authorization: signature(keyId, secret) })).status).toBe(200);
      },
    );

    it.each([
      ['memory', 'alice-memory', MEMORY_SECRET],
      ['vault', 'alice-vault', VAULT_SECRET],
    ])('a bug in the %s key store is a 500, never 200', async (_, keyId, secret) => {
      keys.failWith(new TypeError('keyring.lookup is not a function'));
      const answer = await send(app, { authorization: signature(keyId, secret) });
      expect(answer.status).toBe(500);
      expect(JSON.stringify(answer.body)).not.toContain('keyring');
    });
  });

  describe('synchronous and asynchronous answers', () => {
    const fakeRequest = (authorization: string): AuthRequest => ({
      headers: { authorization },
      method: 'GET',
      url: WHOAMI,
    });

    it('both pass end to end, the first time and again', async () => {
      for (const [keyId, secret] of [
        ['alice-memory', MEMORY_SECRET],
        ['alice-vault', VAULT_SECRET],
        ['alice-memory', MEMORY_SECRET],
        ['alice-vault', VAULT_SECRET],
      ]) {
        const answer = await send(app, { authorization: signature(keyId, secret) });
        expect([keyId, answer.status, answer.body.authInfo]).toEqual([
          keyId,
          200,
          { strategy: 'signed-request', keyId },
        ]);
      }
    });

    it('answers without a promise for a memory key and a cached owner, with one for a vault key', async () => {
      const strategy = app.get(SignedRequestStrategy);
      await send(app, { authorization: signature('alice-memory', MEMORY_SECRET) });

      const sync = strategy.authenticateRequest(
        fakeRequest(signature('alice-memory', MEMORY_SECRET)),
      );
      expect(sync).not.toBeInstanceOf(Promise);
      expect(sync).toEqual([
        expect.objectContaining({ username: 'alice' }),
        { strategy: 'signed-request', keyId: 'alice-memory' },
      ]);

      const later = strategy.authenticateRequest(
        fakeRequest(signature('alice-vault', VAULT_SECRET)),
      );
      expect(later).toBeInstanceOf(Promise);
      await expect(later).resolves.toEqual([
        expect.objectContaining({ username: 'alice' }),
        { strategy: 'signed-request', keyId: 'alice-vault' },
      ]);

      expect(strategy.authenticateRequest(fakeRequest('Bearer x'))).toBeUndefined();
      expect(() =>
        strategy.authenticateRequest(
          fakeRequest(tampered(signature('alice-memory', MEMORY_SECRET))),
        ),
      ).toThrow(InvalidTokenException);
      await expect(
        strategy.authenticateRequest(fakeRequest(tampered(signature('alice-vault', VAULT_SECRET)))),
      ).rejects.toBeInstanceOf(InvalidTokenException);
    });
  });
});

/** A class with a name but no `authenticateRequest`. */
@Injectable()
class NotAStrategy {
  readonly strategyName = 'not-a-strategy';
}

/** A second strategy that calls itself `signed-request`. */
@Injectable()
class AnotherSignedRequestStrategy implements CredentialStrategy {
  readonly strategyName = 'signed-request';
  authenticateRequest(): undefined {
    return undefined;
  }
}

/** An application's strategy that calls itself `jwt`, the name of a built-in. */
@Injectable()
class ImpostorJwtStrategy implements CredentialStrategy {
  readonly strategyName = 'jwt';
  authenticateRequest(): undefined {
    return undefined;
  }
}

/** A buggy strategy whose verdict has no user, synchronously or not, by the `x-buggy` header. */
@Injectable()
class NoUserStrategy implements CredentialStrategy {
  readonly strategyName = 'no-user';
  authenticateRequest(request: { headers: Record<string, unknown> }) {
    const mode = request.headers['x-buggy'];
    if (mode === 'sync') return [null] as unknown as StrategyVerdict;
    if (mode === 'async') return Promise.resolve([undefined] as unknown as StrategyVerdict);
    return undefined;
  }
}

@Controller('buggy')
class BuggyController {
  @Get()
  @UseGuards(LoginRequiredGuard)
  reached() {
    return { reached: true };
  }
}

/** A feature module of the application that provides the strategy (AuthModule is global). */
@Module({ providers: [SigningKeys, SignedRequestStrategy] })
class SigningModule {}

describe.each(ADAPTERS)('strategy classes at boot on %s', (adapter) => {
  function boot(
    strategies: Array<'jwt' | 'api-key' | Type<CredentialStrategy>>,
    providers: Provider[],
    imports: Array<Type<unknown>> = [],
  ): Promise<INestApplication> {
    @Module({
      imports: [testTypeOrmModule('sqlite::memory:'), authOptions(strategies), ...imports],
      providers,
    })
    class BootFixture {}
    return createTestApp([BootFixture], adapter);
  }

  it('boots with the class provided by a feature module the application imports', async () => {
    const app = await boot(['jwt', SignedRequestStrategy], [], [SigningModule]);
    await app.close();
  });

  it('refuses a class that no module provides, naming it', async () => {
    await expect(boot(['jwt', SignedRequestStrategy], [])).rejects.toThrow(
      /strategies: SignedRequestStrategy is not a provider/,
    );
  });

  it('refuses a class without authenticateRequest', async () => {
    await expect(
      boot(['jwt', NotAStrategy as unknown as Type<CredentialStrategy>], [NotAStrategy]),
    ).rejects.toThrow(/strategies: NotAStrategy must implement CredentialStrategy/);
  });

  it('refuses two strategies with one strategyName', async () => {
    await expect(
      boot(
        [SignedRequestStrategy, AnotherSignedRequestStrategy],
        [SigningKeys, SignedRequestStrategy, AnotherSignedRequestStrategy],
      ),
    ).rejects.toThrow(/two strategies are named "signed-request"/);
  });

  it('never lets a request in on a verdict without a user: 500, the handler not reached', async () => {
    @Module({
      imports: [testTypeOrmModule('sqlite::memory:'), authOptions([NoUserStrategy, 'jwt'])],
      controllers: [BuggyController],
      providers: [NoUserStrategy],
    })
    class BuggyFixture {}
    const app = await createTestApp([BuggyFixture], adapter);
    try {
      for (const mode of ['sync', 'async']) {
        const response = await request(app.getHttpServer()).get('/buggy').set('x-buggy', mode);
        expect([mode, response.status, response.body.reached]).toEqual([mode, 500, undefined]);
      }
      await request(app.getHttpServer()).get('/buggy').expect(401);
    } finally {
      await app.close();
    }
  });

  it('refuses a strategy named like a built-in beside it', async () => {
    await expect(boot(['jwt', ImpostorJwtStrategy], [ImpostorJwtStrategy])).rejects.toThrow(
      /two strategies are named "jwt"/,
    );
  });
});
