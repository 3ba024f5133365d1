import {
  Controller,
  Get,
  Module,
  NotFoundException,
  UseGuards,
  type INestApplication,
} from '@nestjs/common';
import {
  ApiKeyService,
  AuthModule,
  isStaff,
  isSuperuser,
  LoginRequired,
  Public,
  StaffOnly,
  User,
  UserPassesTest,
  UserPassesTestGuard,
  UserService,
  type AuthRequest,
} from 'portcullis';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';

/** Handlers reached, so a refusal can be shown to have stopped before the route ran. */
let reached = 0;
const reach = () => ({ reached: ++reached });

/** Times a test ran, so a test can be shown to run once a request, or not at all. */
let tested = 0;
const isPro = (user: User) => {
  tested++;
  return user.username.startsWith('pro-');
};
const outage = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
    code: 'ECONNREFUSED',
  });

@Controller('pro')
class ProController {
  @Get('sync')
  @UserPassesTest(isPro, { message: 'Pro accounts only.' })
  sync() {
    return reach();
  }

  @Get('async')
  @UserPassesTest(
    async (user: User) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return isPro(user);
    },
    { message: 'Pro accounts only.' },
  )
  async() {
    return reach();
  }

  /** The test sees the request: only a bearer token, not Basic, passes. */
  @Get('token-only')
  @UserPassesTest(
    (_user, request: AuthRequest) =>
      (request.authInfo as { strategy?: string } | undefined)?.strategy === 'jwt',
  )
  tokenOnly() {
    return reach();
  }

  @Get('throws')
  @UserPassesTest(() => {
    throw new TypeError("Cannot read properties of undefined (reading 'plan')");
  })
  throws() {
    return reach();
  }

  @Get('rejects')
  @UserPassesTest(async () => Promise.reject(new Error('the app’s own bug')))
  rejects() {
    return reach();
  }

  @Get('outage')
  @UserPassesTest(async () => Promise.reject(outage()))
  outage() {
    return reach();
  }

  @Get('app-answer')
  @UserPassesTest(() => {
    throw new NotFoundException();
  })
  appAnswer() {
    return reach();
  }

  /** A JavaScript test answering something truthy that is not `true`. */
  @Get('truthy')
  @UserPassesTest((() => 'yes') as never)
  truthy() {
    return reach();
  }

  @Get('public')
  @Public()
  @UserPassesTest(isStaff)
  publicButTested() {
    return reach();
  }

  @Get('page')
  @LoginRequired({ redirectTo: '/login' })
  @UserPassesTest(isStaff, { message: 'Staff only.' })
  page() {
    return reach();
  }

  @Get('no-keys')
  @UserPassesTest(isSuperuser, { refuseApiKeys: true, apiKeyRefusalMessage: 'No keys here.' })
  noKeys() {
    return reach();
  }

  /** Two tests on one handler: both must pass, and neither replaces the other. */
  @Get('both')
  @UserPassesTest(isStaff, { message: 'Staff only.' })
  @UserPassesTest(isPro, { message: 'Pro accounts only.' })
  both() {
    return reach();
  }

  @Get('staff-only')
  @StaffOnly()
  staffOnly() {
    return reach();
  }

  @Get('staff-test')
  @UserPassesTest(isStaff, { message: 'Staff only.' })
  staffTest() {
    return reach();
  }

  /** The guard without a test: a mistake of the app, refused for everyone. */
  @Get('no-test')
  @UseGuards(UserPassesTestGuard)
  noTest() {
    return reach();
  }
}

/** A controller's test and a handler's: the handler's adds to the controller's. */
@Controller('stacked')
@UserPassesTest(isStaff, { message: 'Staff only.' })
class StackedController {
  @Get()
  staff() {
    return reach();
  }

  @Get('superuser')
  @UserPassesTest(isSuperuser, { message: 'Superusers only.' })
  superuser() {
    return reach();
  }
}

function fixture(databaseUrl: string) {
  @Module({
    imports: [
      testTypeOrmModule(databaseUrl),
      AuthModule.forRoot({ routes: true, jwt: { secret: TEST_JWT_SECRET } }),
    ],
    controllers: [ProController, StackedController],
  })
  class UserPassesTestFixture {}
  return UserPassesTestFixture;
}

describe.each(ADAPTERS)('@UserPassesTest() on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
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
  }

  const as = (username: string, path: string) =>
    http().get(path).set('Authorization', tokens.get(username)!);

  async function key(username: string, scopes: string[]): Promise<string> {
    const keys = app.get<ApiKeyService<User>>(ApiKeyService);
    return (await keys.createKey(ids.get(username)!, { label: scopes.join(' ') || 'all', scopes }))
      .key;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp([fixture(database.url)], adapter);
    await user('member');
    await user('pro-anna');
    await user('staffer', { isStaff: true });
    await user('pro-staffer', { isStaff: true });
    await user('root', { isSuperuser: true });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  beforeEach(() => {
    reached = 0;
    tested = 0;
  });

  it.each(['/pro/sync', '/pro/async', '/pro/throws', '/pro/no-keys', '/stacked'])(
    'anonymous on %s: 401 with WWW-Authenticate, never 403, the test never run',
    async (path) => {
      const response = await http().get(path);
      expect(response.status).toBe(401);
      expect(response.body.error).toBe('not_authenticated');
      expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="portcullis"/);
      expect(reached).toBe(0);
      expect(tested).toBe(0);
    },
  );

  it('a bad token is 401 invalid_token, not 403', async () => {
    const response = await http().get('/pro/sync').set('Authorization', 'Bearer not.a.jwt');
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('invalid_token');
  });

  it('@Public() does not skip the test: anonymous is still 401', async () => {
    expect((await http().get('/pro/public')).status).toBe(401);
    expect((await as('member', '/pro/public')).status).toBe(403);
    await as('staffer', '/pro/public').expect(200);
  });

  it('an anonymous browser on an HTML route is sent to the login page', async () => {
    const response = await http().get('/pro/page').set('Accept', 'text/html');
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('/login?next=%2Fpro%2Fpage');
    expect((await as('member', '/pro/page')).status).toBe(403);
  });

  it.each(['/pro/sync', '/pro/async'])(
    '%s: a user failing the test 403 with its message; passing 200',
    async (path) => {
      const denied = await as('member', path);
      expect(denied.status).toBe(403);
      expect(denied.body).toEqual({
        statusCode: 403,
        error: 'insufficient_permissions',
        message: 'Pro accounts only.',
      });
      expect(reached).toBe(0);
      expect((await as('pro-anna', path).expect(200)).body).toEqual({ reached: 1 });
    },
  );

  it('without a message the 403 says so in general terms', async () => {
    const response = await http().get('/pro/token-only').auth('pro-anna', PASSWORD);
    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      statusCode: 403,
      error: 'insufficient_permissions',
      message: 'You are not allowed to do this.',
    });
  });

  it('the test sees the request and how its user authenticated', async () => {
    await as('member', '/pro/token-only').expect(200);
    expect((await http().get('/pro/token-only').auth('member', PASSWORD)).status).toBe(403);
  });

  it.each([
    ['throws', '/pro/throws'],
    ['rejects', '/pro/rejects'],
  ])('a test that %s is a 500 of the app, never a pass', async (_how, path) => {
    const response = await as('root', path);
    expect(response.status).toBe(500);
    expect(JSON.stringify(response.body)).not.toMatch(/plan|own bug/);
    expect(reached).toBe(0);
  });

  it('a test whose database is unreachable answers 503, like the other guards', async () => {
    const response = await as('root', '/pro/outage');
    expect(response.status).toBe(503);
    expect(response.body.error).toBe('service_unavailable');
    expect(reached).toBe(0);
  });

  it('an HttpException thrown by the test is the app’s answer', async () => {
    expect((await as('root', '/pro/app-answer')).status).toBe(404);
    expect(reached).toBe(0);
  });

  it('a truthy answer that is not `true` does not pass', async () => {
    expect((await as('root', '/pro/truthy')).status).toBe(403);
    expect(reached).toBe(0);
  });

  it('two tests on one handler: both must pass', async () => {
    expect((await as('pro-anna', '/pro/both')).body.message).toBe('Staff only.');
    expect((await as('staffer', '/pro/both')).body.message).toBe('Pro accounts only.');
    tested = 0;
    await as('pro-staffer', '/pro/both').expect(200);
    // One guard checks both: stacking the decorator does not run a test twice.
    expect(tested).toBe(1);
  });

  it('a controller’s test and a handler’s: both must pass', async () => {
    expect((await as('member', '/stacked')).body.message).toBe('Staff only.');
    await as('staffer', '/stacked').expect(200);
    const staffer = await as('staffer', '/stacked/superuser');
    expect(staffer.status).toBe(403);
    expect(staffer.body.message).toBe('Superusers only.');
    await as('root', '/stacked/superuser').expect(200);
  });

  it.each(['/pro/staff-only', '/pro/staff-test', '/stacked'])(
    '%s: a staff user’s scoped API key 403, their unscoped key 200',
    async (path) => {
      const scoped = await key('staffer', ['notes.read']);
      const response = await http().get(path).set('X-API-Key', scoped);
      expect(response.status).toBe(403);
      expect(response.body).toEqual({
        statusCode: 403,
        error: 'insufficient_permissions',
        message: 'Staff only.',
      });
      expect(reached).toBe(0);
      await http()
        .get(path)
        .set('X-API-Key', await key('staffer', []))
        .expect(200);
      const members = await http()
        .get(path)
        .set('X-API-Key', await key('member', []));
      expect(members.status).toBe(403);
    },
  );

  it('a scoped key fails even a test its owner passes, without running it', async () => {
    const scoped = await key('pro-anna', ['notes.read']);
    expect((await http().get('/pro/sync').set('X-API-Key', scoped)).status).toBe(403);
    expect((await http().get('/pro/throws').set('X-API-Key', scoped)).status).toBe(403);
    expect(tested).toBe(0);
    await http()
      .get('/pro/sync')
      .set('X-API-Key', await key('pro-anna', []))
      .expect(200);
  });

  it('refuseApiKeys: a superuser’s key 403, even unscoped; the superuser’s login 200', async () => {
    for (const scopes of [[], ['notes.read']]) {
      const response = await http()
        .get('/pro/no-keys')
        .set('X-API-Key', await key('root', scopes));
      expect(response.status).toBe(403);
      expect(response.body).toEqual({
        statusCode: 403,
        error: 'insufficient_permissions',
        message: 'No keys here.',
      });
    }
    expect(reached).toBe(0);
    await as('root', '/pro/no-keys').expect(200);
    expect((await as('staffer', '/pro/no-keys')).status).toBe(403);
  });

  it('the guard applied without a test refuses everyone with a 500', async () => {
    expect((await http().get('/pro/no-test')).status).toBe(500);
    const root = await as('root', '/pro/no-test');
    expect(root.status).toBe(500);
    expect(root.body.error).toBe('internal_error');
    expect(reached).toBe(0);
  });
});
