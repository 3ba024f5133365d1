import { Controller, Delete, Get, HttpCode, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  ApiKeyService,
  AuthConfigurationError,
  AuthModule,
  Permissions,
  PermissionService,
  StaffOnly,
  User,
  UserService,
} from 'portcullis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';

@Controller('notes')
class NotesFixtureController {
  @Delete(':id')
  @HttpCode(204)
  @Permissions('notes.delete')
  remove() {}
}

@Controller('staff')
class StaffFixtureController {
  @Get()
  @StaffOnly()
  index() {
    return { staff: true };
  }
}

function modules(databaseUrl: string, extra: Parameters<typeof AuthModule.forRoot>[0] = {}) {
  return [
    testTypeOrmModule(databaseUrl),
    AuthModule.forRoot({
      routes: true,
      adminRoutes: true,
      jwt: { secret: TEST_JWT_SECRET },
      ...extra,
    }),
  ];
}

type Method = 'get' | 'post' | 'delete';

/** Every admin route, with a body that would be accepted from a superuser. */
const ADMIN_ROUTES: Array<[Method, string, object?]> = [
  ['get', '/auth/admin/groups'],
  ['post', '/auth/admin/groups', { name: 'editors' }],
  ['post', '/auth/admin/groups/member/permissions', { permission: 'notes.delete' }],
  ['delete', '/auth/admin/groups/member/permissions/notes.delete'],
  ['get', '/auth/admin/users/1/permissions'],
  ['post', '/auth/admin/users/1/permissions', { permission: 'notes.delete' }],
  ['delete', '/auth/admin/users/1/permissions/notes.delete'],
  ['post', '/auth/admin/users/1/groups', { group: 'member' }],
  ['delete', '/auth/admin/users/1/groups/member'],
  ['post', '/auth/admin/users/1/deactivate'],
];

describe.each(ADAPTERS)('admin routes on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  let grants: PermissionService;
  const http = () => request(app.getHttpServer());
  const tokens = new Map<string, string>();
  const ids = new Map<string, string>();

  async function user(username: string, fields: Partial<User> = {}) {
    const created = await app
      .get<UserService<User>>(UserService)
      .createUser({ username, password: PASSWORD, ...fields });
    ids.set(username, String(created.id));
    const login = await http()
      .post('/auth/login')
      .send({ username, password: PASSWORD })
      .expect(200);
    tokens.set(username, `Bearer ${login.body.access_token}`);
    return created;
  }

  function send(method: Method, path: string, authorization?: string, body?: object) {
    const pending = http()[method](path);
    if (authorization) pending.set('Authorization', authorization);
    return body === undefined ? pending : pending.send(body);
  }

  const as = (username: string) => ({
    get: (path: string) => send('get', path, tokens.get(username)),
    post: (path: string, body?: object) => send('post', path, tokens.get(username), body ?? {}),
    delete: (path: string) => send('delete', path, tokens.get(username)),
  });
  const admin = (path: string) => `/auth/admin/${path}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    const { Module } = await import('@nestjs/common');
    @Module({
      imports: modules(database.url),
      controllers: [NotesFixtureController, StaffFixtureController],
    })
    class AdminFixture {}
    app = await createTestApp([AdminFixture], adapter);
    grants = app.get(PermissionService);
    await grants.ensureGroup('member', ['notes.read', 'notes.write']);
    await user('root', { isSuperuser: true, isStaff: true });
    await user('staffer', { isStaff: true });
    await user('member');
    await grants.addToGroup(ids.get('member')!, 'member');
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it.each(ADMIN_ROUTES)('%s %s: anonymous 401', async (method, path, body) => {
    const response = await send(method, path, undefined, body);
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('not_authenticated');
  });

  it.each(ADMIN_ROUTES)('%s %s: member and staff 403', async (method, path, body) => {
    for (const who of ['member', 'staffer']) {
      const response = await send(method, path, tokens.get(who), body);
      expect(response.status).toBe(403);
      expect(response.body).toEqual({
        statusCode: 403,
        error: 'insufficient_permissions',
        message: 'Superusers only.',
      });
    }
  });

  it.each(ADMIN_ROUTES)(
    '%s %s: a superuser’s API key 403, even unscoped',
    async (method, path, body) => {
      const keys = app.get<ApiKeyService<User>>(ApiKeyService);
      const { key } = await keys.createKey(ids.get('root')!, { label: 'root', scopes: [] });
      const pending = http()[method](path).set('X-API-Key', key);
      const response = await (body === undefined ? pending : pending.send(body));
      expect(response.status).toBe(403);
      expect(response.body.error).toBe('insufficient_permissions');
      expect(response.body.message).toMatch(/API keys cannot use the admin routes/);
    },
  );

  it('lists and creates groups', async () => {
    const listed = await as('root').get(admin('groups')).expect(200);
    expect(listed.headers['cache-control']).toBe('no-store');
    expect(listed.body).toEqual([{ name: 'member', permissions: ['notes.read', 'notes.write'] }]);

    const created = await as('root')
      .post(admin('groups'), { name: 'editors', permissions: ['notes.write', 'notes.delete'] })
      .expect(201);
    expect(created.body).toEqual({ name: 'editors', permissions: ['notes.delete', 'notes.write'] });
    // Creating it again is not an error: it adds the permissions given.
    const again = await as('root')
      .post(admin('groups'), { name: 'editors', permissions: ['notes.read'] })
      .expect(201);
    expect(again.body.permissions).toEqual(['notes.delete', 'notes.read', 'notes.write']);
    await as('root').post(admin('groups'), { name: 'readers' }).expect(201);
    const names = (await as('root').get(admin('groups')).expect(200)).body.map(
      (group: { name: string }) => group.name,
    );
    expect(names).toEqual(['editors', 'member', 'readers']);
  });

  it.each([
    [{ name: 'has space' }, 'name'],
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(101) }, 'name'],
    [{}, 'name'],
    [{ name: 42 }, 'name'],
    [{ name: 'ok', permissions: ['Not A Codename'] }, 'permissions'],
    [{ name: 'ok', permissions: 'notes.read' }, 'permissions'],
    [{ name: 'ok', permissions: [1] }, 'permissions'],
  ])('POST admin/groups %o: 400 validation_failed on %s', async (body, field) => {
    const response = await as('root').post(admin('groups'), body);
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('validation_failed');
    expect(response.body.details[0].field).toBe(field);
  });

  it('a body that is not a JSON object is 400', async () => {
    for (const path of [
      'groups',
      'groups/member/permissions',
      `users/${ids.get('member')}/permissions`,
      `users/${ids.get('member')}/groups`,
    ]) {
      const response = await http()
        .post(admin(path))
        .set('Authorization', tokens.get('root')!)
        .set('Content-Type', 'application/json')
        .send('[1, 2]');
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('validation_failed');
    }
  });

  it('grants to a group and revokes, effective on the next request', async () => {
    await as('member').delete('/notes/1').expect(403);
    await as('root')
      .post(admin('groups/member/permissions'), { permission: 'notes.delete' })
      .expect(204);
    await as('member').delete('/notes/1').expect(204);
    // Granting twice is harmless.
    await as('root')
      .post(admin('groups/member/permissions'), { permission: 'notes.delete' })
      .expect(204);
    await as('root').delete(admin('groups/member/permissions/notes.delete')).expect(204);
    const denied = await as('member').delete('/notes/1');
    expect(denied.status).toBe(403);
    expect(denied.body.missing).toEqual(['notes.delete']);
    // Revoking what the group does not hold is not an error either.
    await as('root').delete(admin('groups/member/permissions/notes.delete')).expect(204);
  });

  it('group grants: unknown group 404, bad names 400', async () => {
    const unknown = await as('root').post(admin('groups/nobody/permissions'), {
      permission: 'notes.delete',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      statusCode: 404,
      error: 'not_found',
      message: 'No such group.',
    });
    await as('root').delete(admin('groups/nobody/permissions/notes.delete')).expect(404);
    for (const body of [{ permission: 'Notes Delete' }, { permission: 'notes' }, {}]) {
      const response = await as('root').post(admin('groups/member/permissions'), body);
      expect(response.status).toBe(400);
      expect(response.body.details).toEqual([
        { field: 'permission', message: expect.stringContaining('permission codename') },
      ]);
    }
    const badPath = await as('root').delete(admin('groups/member/permissions/NOTES'));
    expect(badPath.status).toBe(400);
    expect(badPath.body.error).toBe('validation_failed');
    const badGroup = await as('root').post(admin('groups/bad%20name/permissions'), {
      permission: 'notes.delete',
    });
    expect(badGroup.status).toBe(400);
    expect(badGroup.body.details[0].field).toBe('name');
  });

  it('grants to a user and revokes, effective on the next request', async () => {
    await user('grantee');
    const id = ids.get('grantee')!;
    await as('grantee').delete('/notes/1').expect(403);
    await as('root')
      .post(admin(`users/${id}/permissions`), { permission: 'notes.delete' })
      .expect(204);
    await as('grantee').delete('/notes/1').expect(204);
    await as('root')
      .delete(admin(`users/${id}/permissions/notes.delete`))
      .expect(204);
    await as('grantee').delete('/notes/1').expect(403);
  });

  it('user routes: unknown or impossible ids 404, bad codenames 400', async () => {
    for (const id of ['999999', 'abc', '1.5']) {
      const response = await as('root').post(admin(`users/${id}/permissions`), {
        permission: 'notes.delete',
      });
      expect(response.status).toBe(404);
      expect(response.body).toEqual({
        statusCode: 404,
        error: 'not_found',
        message: 'No such user.',
      });
      await as('root')
        .delete(admin(`users/${id}/permissions/notes.delete`))
        .expect(404);
      await as('root')
        .get(admin(`users/${id}/permissions`))
        .expect(404);
      await as('root')
        .post(admin(`users/${id}/groups`), { group: 'member' })
        .expect(404);
      await as('root')
        .delete(admin(`users/${id}/groups/member`))
        .expect(404);
      await as('root')
        .post(admin(`users/${id}/deactivate`))
        .expect(404);
    }
    const id = ids.get('member')!;
    const badBody = await as('root').post(admin(`users/${id}/permissions`), {
      permission: 'DROP TABLE',
    });
    expect(badBody.status).toBe(400);
    expect(badBody.body.error).toBe('validation_failed');
    await as('root')
      .delete(admin(`users/${id}/permissions/not-a-codename`))
      .expect(400);
  });

  it('adds a user to a group and removes them, effective on the next request', async () => {
    await user('joiner');
    const id = ids.get('joiner')!;
    await grants.ensureGroup('deleters', ['notes.delete']);
    await as('joiner').delete('/notes/1').expect(403);
    await as('root')
      .post(admin(`users/${id}/groups`), { group: 'deleters' })
      .expect(204);
    await as('joiner').delete('/notes/1').expect(204);
    await as('root')
      .delete(admin(`users/${id}/groups/deleters`))
      .expect(204);
    await as('joiner').delete('/notes/1').expect(403);
  });

  it('group membership: unknown group 404, bad group name 400', async () => {
    const id = ids.get('member')!;
    const unknown = await as('root').post(admin(`users/${id}/groups`), { group: 'nobody' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('not_found');
    await as('root')
      .delete(admin(`users/${id}/groups/nobody`))
      .expect(404);
    for (const body of [{ group: 'bad name' }, { group: '' }, {}, { group: ['member'] }]) {
      const response = await as('root').post(admin(`users/${id}/groups`), body);
      expect(response.status).toBe(400);
      expect(response.body.details[0].field).toBe('group');
    }
    await as('root')
      .delete(admin(`users/${id}/groups/bad%20name`))
      .expect(400);
  });

  it('shows a user’s direct, group and effective permissions', async () => {
    await user('viewer');
    const id = ids.get('viewer')!;
    await grants.grantToUser(id, 'reports.view');
    await grants.addToGroup(id, 'member');
    const shown = await as('root')
      .get(admin(`users/${id}/permissions`))
      .expect(200);
    expect(shown.headers['cache-control']).toBe('no-store');
    expect(shown.body).toEqual({
      direct: ['reports.view'],
      groups: ['member'],
      effective: ['notes.read', 'notes.write', 'reports.view'],
    });
    const root = await as('root').get(admin(`users/${ids.get('root')}/permissions`));
    expect(root.status).toBe(200);
    expect(root.body).toEqual({ superuser: true });
  });

  it('deactivates a user: their token is 401 on the next request, their keys too', async () => {
    await user('leaver');
    const id = ids.get('leaver')!;
    await grants.grantToUser(id, 'notes.delete');
    const keys = app.get<ApiKeyService<User>>(ApiKeyService);
    const { key } = await keys.createKey(id, { label: 'ci', scopes: [] });
    await as('leaver').get('/auth/me').expect(200);
    await http().get('/auth/me').set('X-API-Key', key).expect(200);

    await as('root')
      .post(admin(`users/${id}/deactivate`))
      .expect(204);
    expect((await as('leaver').get('/auth/me')).status).toBe(401);
    expect((await as('leaver').delete('/notes/1')).status).toBe(401);
    expect((await http().get('/auth/me').set('X-API-Key', key)).status).toBe(401);
    const login = await http().post('/auth/login').send({ username: 'leaver', password: PASSWORD });
    expect(login.status).toBe(401);
    const shown = await as('root')
      .get(admin(`users/${id}/permissions`))
      .expect(200);
    expect(shown.body).toEqual({ direct: ['notes.delete'], groups: [], effective: [] });
  });

  describe('@StaffOnly()', () => {
    it('anonymous 401, a member 403 "Staff only.", staff and superusers 200', async () => {
      const anonymous = await http().get('/staff');
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error).toBe('not_authenticated');
      const member = await as('member').get('/staff');
      expect(member.status).toBe(403);
      expect(member.body).toEqual({
        statusCode: 403,
        error: 'insufficient_permissions',
        message: 'Staff only.',
      });
      expect((await as('staffer').get('/staff').expect(200)).body).toEqual({ staff: true });
      await user('boss', { isSuperuser: true });
      await as('boss').get('/staff').expect(200);
    });

    it('a staff user’s unscoped API key passes; a scoped one, or a member’s, does not', async () => {
      const keys = app.get<ApiKeyService<User>>(ApiKeyService);
      const staffId = ids.get('staffer')!;
      const full = (await keys.createKey(staffId, { label: 'full', scopes: [] })).key;
      const scoped = (await keys.createKey(staffId, { label: 'ro', scopes: ['notes.read'] })).key;
      const members = (await keys.createKey(ids.get('member')!, { label: 'm', scopes: [] })).key;
      await http().get('/staff').set('X-API-Key', full).expect(200);
      expect((await http().get('/staff').set('X-API-Key', scoped)).status).toBe(403);
      expect((await http().get('/staff').set('X-API-Key', members)).status).toBe(403);
    });
  });
});

describe('admin routes configuration', () => {
  it('refuses to boot with adminRoutes but without routes, saying why', async () => {
    let failure: unknown;
    try {
      await Test.createTestingModule({
        imports: [AuthModule.forRoot({ adminRoutes: true, jwt: { secret: TEST_JWT_SECRET } })],
      }).compile();
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(AuthConfigurationError);
    expect((failure as Error).message).toContain(
      'adminRoutes needs routes: the admin routes are mounted under <routes prefix>/admin',
    );
  });

  it.each(ADAPTERS)(
    'on %s: not mounted unless asked; mounted under a custom prefix',
    async (adapter) => {
      const plain = await createTestApp(
        modules('sqlite::memory:', { adminRoutes: false }),
        adapter,
      );
      try {
        await plain
          .get<UserService<User>>(UserService)
          .createUser({ username: 'root', password: PASSWORD, isSuperuser: true });
        await request(plain.getHttpServer())
          .get('/auth/admin/groups')
          .auth('root', PASSWORD)
          .expect(404);
      } finally {
        await plain.close();
      }
      const prefixed = await createTestApp(
        modules('sqlite::memory:', { routes: { prefix: 'account' } }),
        adapter,
      );
      try {
        await prefixed
          .get<UserService<User>>(UserService)
          .createUser({ username: 'root', password: PASSWORD, isSuperuser: true });
        await request(prefixed.getHttpServer())
          .get('/account/admin/groups')
          .auth('root', PASSWORD)
          .expect(200, []);
      } finally {
        await prefixed.close();
      }
    },
  );
});
