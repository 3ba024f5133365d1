import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Injectable,
  Post,
  UseGuards,
  type INestApplication,
} from '@nestjs/common';
import {
  AccountService,
  ApiKeyService,
  AuthGuard,
  AuthModule,
  PasswordHasher,
  PermissionResolver,
  Permissions,
  PermissionService,
  PermissionsGuard,
  User,
  UserService,
  type PermissionSet,
} from 'portcullis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';

@Controller('docs')
class DocsController {
  @Get()
  @Permissions('docs.read')
  list() {
    return { docs: [] };
  }

  @Post()
  @HttpCode(201)
  @Permissions('docs.write')
  create() {
    return { created: true };
  }

  @Delete(':id')
  @HttpCode(204)
  @Permissions.any('docs.delete', 'docs.admin')
  remove() {}
}

@Controller('reports')
@Permissions('reports.view')
class ReportsController {
  @Get()
  index() {
    return { reports: [] };
  }

  @Get('export')
  @Permissions('reports.export')
  export() {
    return { exported: true };
  }
}

/** AuthGuard on the controller, then the PermissionsGuard that `@Permissions` adds. */
@Controller('forward')
@UseGuards(AuthGuard)
class ForwardController {
  @Get()
  @Permissions('docs.read')
  read() {
    return { ok: true };
  }
}

/** Guards listed the wrong way round, on an app without the global guard. */
@Controller('reversed')
@UseGuards(PermissionsGuard, AuthGuard)
class ReversedController {
  @Get()
  @Permissions('docs.read')
  read() {
    return { ok: true };
  }
}

function modules(databaseUrl: string, extra: Parameters<typeof AuthModule.forRoot>[0] = {}) {
  return [
    testTypeOrmModule(databaseUrl),
    AuthModule.forRoot({ routes: true, jwt: { secret: TEST_JWT_SECRET }, ...extra }),
  ];
}

describe.each(ADAPTERS)('permissions on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  let grants: PermissionService;
  const http = () => request(app.getHttpServer());
  const tokens = new Map<string, string>();
  const ids = new Map<string, string>();

  async function user(username: string, fields: Partial<User> = {}) {
    const users = app.get<UserService<User>>(UserService);
    const created = await users.createUser({ username, password: PASSWORD, ...fields });
    ids.set(username, String(created.id));
    const login = await http()
      .post('/auth/login')
      .send({ username, password: PASSWORD })
      .expect(200);
    tokens.set(username, `Bearer ${login.body.access_token}`);
    return created;
  }

  const as = (username: string) => ({
    get: (path: string) => http().get(path).set('Authorization', tokens.get(username)!),
    post: (path: string) => http().post(path).set('Authorization', tokens.get(username)!),
    delete: (path: string) => http().delete(path).set('Authorization', tokens.get(username)!),
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    const { Module } = await import('@nestjs/common');
    @Module({
      imports: modules(database.url, { global: true }),
      controllers: [DocsController, ReportsController],
    })
    class PermissionsFixture {}
    app = await createTestApp([PermissionsFixture], adapter);
    grants = app.get(PermissionService);
    await grants.ensureGroup('member', ['docs.read']);
    await user('member');
    await grants.addToGroup(ids.get('member')!, 'member');
    await user('root', { isSuperuser: true });
    await user('quitter');
    await grants.grantToUser(ids.get('quitter')!, 'docs.read');
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('anonymous: 401, not 403', async () => {
    const response = await http().get('/docs');
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('not_authenticated');
    expect((await http().post('/docs')).status).toBe(401);
  });

  it('a member with the permission: 200; without it: 403 naming what is missing', async () => {
    await as('member').get('/docs').expect(200);
    const denied = await as('member').post('/docs');
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({
      statusCode: 403,
      error: 'insufficient_permissions',
      message: 'Missing permission: docs.write.',
      missing: ['docs.write'],
    });
  });

  it('a superuser holds every permission', async () => {
    await as('root').get('/docs').expect(200);
    await as('root').post('/docs').expect(201);
    await as('root').delete('/docs/1').expect(204);
    await as('root').get('/reports/export').expect(200);
  });

  it('an inactive user is 401', async () => {
    const quitter = await app.get<UserService<User>>(UserService).findByHandle('quitter');
    await app.get<AccountService<User>>(AccountService).deactivate(quitter!);
    expect((await as('quitter').get('/docs')).status).toBe(401);
  });

  it('grants and revocations take effect on the next request', async () => {
    await user('grantee');
    const id = ids.get('grantee')!;
    await as('grantee').get('/docs').expect(403);
    await grants.grantToUser(id, 'docs.read');
    await as('grantee').get('/docs').expect(200);
    await grants.revokeFromUser(id, 'docs.read');
    await as('grantee').get('/docs').expect(403);

    await grants.ensureGroup('writers');
    await grants.addToGroup(id, 'writers');
    await as('grantee').post('/docs').expect(403);
    await grants.grantToGroup('writers', 'docs.write');
    await as('grantee').post('/docs').expect(201);
    await grants.revokeFromGroup('writers', 'docs.write');
    await as('grantee').post('/docs').expect(403);
    await grants.grantToGroup('writers', 'docs.write');
    await grants.removeFromGroup(id, 'writers');
    await as('grantee').post('/docs').expect(403);
  });

  it('@Permissions.any needs one of the names', async () => {
    await user('admin');
    const denied = await as('admin').delete('/docs/7');
    expect(denied.status).toBe(403);
    expect(denied.body.missing).toEqual(['docs.delete', 'docs.admin']);
    await grants.grantToUser(ids.get('admin')!, 'docs.admin');
    await as('admin').delete('/docs/7').expect(204);
  });

  it('controller and handler requirements both apply', async () => {
    await user('viewer');
    await grants.grantToUser(ids.get('viewer')!, 'reports.view');
    await as('viewer').get('/reports').expect(200);
    expect((await as('viewer').get('/reports/export')).body.missing).toEqual(['reports.export']);
    await user('exporter');
    await grants.grantToUser(ids.get('exporter')!, 'reports.export');
    expect((await as('exporter').get('/reports/export')).body.missing).toEqual(['reports.view']);
  });

  it('API key scopes narrow the owner’s permissions and never widen them', async () => {
    const owner = await user('keyholder');
    const ownerId = String(owner.id);
    await grants.grantToUser(ownerId, 'docs.read');
    await grants.grantToUser(ownerId, 'docs.write');
    const keys = app.get<ApiKeyService<User>>(ApiKeyService);
    const readOnly = (await keys.createKey(ownerId, { label: 'ro', scopes: ['docs.read'] })).key;
    const deleter = (await keys.createKey(ownerId, { label: 'del', scopes: ['docs.delete'] })).key;
    const full = (await keys.createKey(ownerId, { label: 'full', scopes: [] })).key;

    await http().get('/docs').set('X-API-Key', readOnly).expect(200);
    const write = await http().post('/docs').set('X-API-Key', readOnly);
    expect(write.status).toBe(403);
    expect(write.body.missing).toEqual(['docs.write']);
    expect(write.headers['www-authenticate']).toBe(
      'Bearer realm="portcullis", error="insufficient_scope", scope="docs.write"',
    );
    const widened = await http().delete('/docs/1').set('X-API-Key', deleter);
    expect(widened.status).toBe(403);
    expect(widened.headers['www-authenticate']).toBeUndefined();
    await http().post('/docs').set('X-API-Key', full).expect(201);
  });

  it('the global guard authenticates first: registration stays open, @Permissions routes do not', async () => {
    await http()
      .post('/auth/register')
      .send({ username: 'newbie', password: PASSWORD })
      .expect(201);
    expect((await http().get('/reports')).status).toBe(401);
  });
});

describe.each(ADAPTERS)('guard order and a custom resolver on %s', (adapter) => {
  let app: INestApplication;

  @Injectable()
  class EveryoneMayRead extends PermissionResolver {
    async permissionsOf(): Promise<PermissionSet> {
      return new Set(['docs.read']);
    }
  }

  beforeAll(async () => {
    const { Module } = await import('@nestjs/common');
    @Module({
      imports: modules('sqlite::memory:', { permissionResolver: EveryoneMayRead }),
      controllers: [DocsController, ForwardController, ReversedController],
    })
    class ResolverFixture {}
    app = await createTestApp([ResolverFixture], adapter);
    await app
      .get<UserService<User>>(UserService)
      .createUser({ username: 'reader', password: PASSWORD });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('PermissionsGuard listed before AuthGuard still answers anonymous callers with 401', async () => {
    expect((await request(app.getHttpServer()).get('/reversed')).status).toBe(401);
    expect((await request(app.getHttpServer()).get('/docs')).status).toBe(401);
  });

  it('the custom resolver decides, with no grants in the database', async () => {
    const auth = ['reader', PASSWORD] as const;
    await request(app.getHttpServer())
      .get('/reversed')
      .auth(...auth)
      .expect(200);
    await request(app.getHttpServer())
      .get('/docs')
      .auth(...auth)
      .expect(200);
    const denied = await request(app.getHttpServer())
      .post('/docs')
      .auth(...auth);
    expect(denied.status).toBe(403);
    expect(denied.body.missing).toEqual(['docs.write']);
  });

  it('two guards on a route check a password once: the second sees the first one’s user', async () => {
    const verify = vi.spyOn(app.get(PasswordHasher), 'verify');
    try {
      // AuthGuard then PermissionsGuard, and the other way round: argon2id runs once per request.
      for (const path of ['/forward', '/reversed']) {
        verify.mockClear();
        await request(app.getHttpServer()).get(path).auth('reader', PASSWORD).expect(200);
        expect(verify).toHaveBeenCalledTimes(1);
      }
      // Each request is checked on its own: a wrong password right after a right one is refused.
      verify.mockClear();
      await request(app.getHttpServer())
        .get('/forward')
        .auth('reader', 'not the password')
        .expect(401);
      expect(verify).toHaveBeenCalledTimes(1);
    } finally {
      verify.mockRestore();
    }
  });
});

describe.each(ADAPTERS)('a resolver that knows some answers at once, on %s', (adapter) => {
  let app: INestApplication;

  /** Knows the answer for `quick` without a promise; must be asked for everyone else. */
  class PartlyCachedResolver extends PermissionResolver {
    asked: string[] = [];
    async permissionsOf(user: object): Promise<PermissionSet> {
      this.asked.push((user as User).username);
      return new Set(['docs.read']);
    }
    override cachedPermissionsOf(user: object): PermissionSet | undefined {
      return (user as User).username === 'quick' ? new Set<string>() : undefined;
    }
  }

  beforeAll(async () => {
    const { Module } = await import('@nestjs/common');
    @Module({
      imports: modules('sqlite::memory:', { permissionResolver: PartlyCachedResolver }),
      controllers: [ForwardController],
    })
    class CachedResolverFixture {}
    app = await createTestApp([CachedResolverFixture], adapter);
    const users = app.get<UserService<User>>(UserService);
    await users.createUser({ username: 'quick', password: PASSWORD });
    await users.createUser({ username: 'slow', password: PASSWORD });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('decides with the answer it has at once and asks permissionsOf() only without one', async () => {
    const resolver = app.get(PermissionResolver) as PartlyCachedResolver;
    // The cached answer (no permissions) wins over what permissionsOf() would say.
    const denied = await request(app.getHttpServer()).get('/forward').auth('quick', PASSWORD);
    expect(denied.status).toBe(403);
    expect(denied.body.missing).toEqual(['docs.read']);
    expect(resolver.asked).toEqual([]);
    await request(app.getHttpServer()).get('/forward').auth('slow', PASSWORD).expect(200);
    expect(resolver.asked).toEqual(['slow']);
  });
});

describe('@Permissions is never allowed by accident', () => {
  it('fails when the class is defined: no names, or a name of the wrong shape', () => {
    expect(() => Permissions()).toThrow(/at least one permission codename/);
    expect(() => Permissions.any()).toThrow(/at least one permission codename/);
    expect(() => Permissions('Notes Read')).toThrow(/is not a permission codename/);
    expect(() => Permissions('notes')).toThrow(/is not a permission codename/);
    expect(() => Permissions('notes.read', '')).toThrow(/is not a permission codename/);
  });
});
