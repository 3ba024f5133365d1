import {
  Controller,
  Get,
  Module,
  UseGuards,
  type DynamicModule,
  type INestApplication,
} from '@nestjs/common';
import {
  AuthGuard,
  AuthModule,
  CurrentUser,
  LoginRequired,
  OptionalAuth,
  Public,
  User,
  UserService,
  type AuthModuleForRootOptions,
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
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** Creates the fixture user through the library's UserService, as an application would. */
async function createGina(app: INestApplication): Promise<void> {
  const users: UserService<User> = app.get(UserService);
  await users.createUser({ username: 'gina', password: PASSWORD });
}

/** Routes for the global-guard fixture: nothing on a route means "login required". */
@Controller()
class GuardModesController {
  @Public()
  @Get('open')
  open() {
    return { open: true };
  }

  @Get('closed')
  closed(@CurrentUser('username') username: string) {
    return { user: username };
  }

  @OptionalAuth()
  @Get('maybe')
  maybe(@CurrentUser() user?: User) {
    return { user: user?.username ?? null };
  }

  @LoginRequired({ redirectTo: '/signin' })
  @Get('page')
  page(@CurrentUser('username') username: string) {
    return { page: 'page', user: username };
  }

  @LoginRequired({ redirectTo: true })
  @Get('page2')
  page2() {
    return { page: 'page2' };
  }
}

@Public()
@Controller('public-things')
class PublicThingsController {
  @Get()
  list() {
    return { things: [] };
  }
}

/** A route guarded explicitly, for the fixtures without the global guard. */
@Controller('guarded')
class GuardedController {
  @UseGuards(AuthGuard)
  @Get()
  show(@CurrentUser('username') username: string) {
    return { user: username };
  }
}

/** A fixture app: a TypeORM connection, AuthModule with `options` and the given controllers. */
@Module({})
class GuardFixtureModule {
  static create(
    url: string,
    options: AuthModuleForRootOptions,
    controllers: DynamicModule['controllers'],
  ): DynamicModule {
    return {
      module: GuardFixtureModule,
      imports: [
        testTypeOrmModule(url),
        AuthModule.forRoot({ jwt: { secret: TEST_JWT_SECRET }, ...options }),
      ],
      controllers,
    };
  }
}

describe.each(ADAPTERS)('global guard, @Public, @OptionalAuth, @LoginRequired on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  let token: string;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp(
      [
        GuardFixtureModule.create(database.url, { global: true, routes: true }, [
          GuardModesController,
          PublicThingsController,
        ]),
      ],
      adapter,
    );
    await createGina(app);
    const login = await http()
      .post('/auth/login')
      .send({ username: 'gina', password: PASSWORD })
      .expect(200);
    token = login.body.access_token as string;
    expect(token).toMatch(JWT_SHAPE);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('lets anonymous callers reach @Public() routes and @Public() controllers', async () => {
    expect((await http().get('/open').expect(200)).body).toEqual({ open: true });
    expect((await http().get('/public-things').expect(200)).body).toEqual({ things: [] });
  });

  it('protects an undecorated route with the global guard: 401 with both challenges', async () => {
    const response = await http().get('/closed').expect(401);
    expect(response.body).toEqual({
      statusCode: 401,
      error: 'not_authenticated',
      message: expect.any(String),
    });
    const challenge = response.headers['www-authenticate'];
    expect(challenge).toContain('Bearer realm="portcullis"');
    expect(challenge).toContain('Basic realm="portcullis"');
  });

  it('lets an undecorated route through with a Bearer token or with Basic', async () => {
    const bearer = await http().get('/closed').set('Authorization', `Bearer ${token}`).expect(200);
    expect(bearer.body).toEqual({ user: 'gina' });
    const basic = await http().get('/closed').auth('gina', PASSWORD).expect(200);
    expect(basic.body).toEqual({ user: 'gina' });
  });

  it('keeps register and login reachable anonymously under the global guard', async () => {
    const registered = await http()
      .post('/auth/register')
      .send({ username: 'hank', password: PASSWORD })
      .expect(201);
    expect(registered.body).toMatchObject({ username: 'hank' });
    const login = await http()
      .post('/auth/login')
      .send({ username: 'hank', password: PASSWORD })
      .expect(200);
    expect(login.body.access_token).toMatch(JWT_SHAPE);
    const me = await http()
      .get('/auth/me')
      .set('Authorization', `Bearer ${login.body.access_token}`)
      .expect(200);
    expect(me.body).toMatchObject({ username: 'hank' });
    await http().get('/auth/me').expect(401);
  });

  describe('@OptionalAuth()', () => {
    it('is anonymous without credentials', async () => {
      expect((await http().get('/maybe').expect(200)).body).toEqual({ user: null });
    });

    it('has the user with a good token', async () => {
      const response = await http()
        .get('/maybe')
        .set('Authorization', `Bearer ${token}`)
        .expect(200);
      expect(response.body).toEqual({ user: 'gina' });
    });

    it('still answers a bad token with 401 invalid_token', async () => {
      const response = await http().get('/maybe').set('Authorization', 'Bearer x.y.z').expect(401);
      expect(response.body.error).toBe('invalid_token');
    });

    it('still answers a wrong Basic password with 401 invalid_credentials', async () => {
      const response = await http().get('/maybe').auth('gina', 'wrong horse battery').expect(401);
      expect(response.body.error).toBe('invalid_credentials');
    });
  });

  describe('@LoginRequired({ redirectTo })', () => {
    it('redirects an anonymous caller to the given login URL with next', async () => {
      const response = await http().get('/page').expect(302);
      expect(response.headers.location).toBe('/signin?next=%2Fpage');
      expect(response.headers).not.toHaveProperty('www-authenticate');
    });

    it('keeps the query string in next, URL-encoded', async () => {
      const response = await http().get('/page?tab=2&x=%2F').expect(302);
      expect(response.headers.location).toBe(
        `/signin?next=${encodeURIComponent('/page?tab=2&x=%2F')}`,
      );
      expect(response.headers).not.toHaveProperty('www-authenticate');
    });

    it('uses the loginUrl option (default /login) for redirectTo: true', async () => {
      const response = await http().get('/page2').expect(302);
      expect(response.headers.location).toBe('/login?next=%2Fpage2');
      expect(response.headers).not.toHaveProperty('www-authenticate');
    });

    it('serves the page to a caller with a valid token', async () => {
      const response = await http()
        .get('/page')
        .set('Authorization', `Bearer ${token}`)
        .expect(200);
      expect(response.body).toEqual({ page: 'page', user: 'gina' });
    });
  });
});

describe.each(ADAPTERS)("strategies: ['basic'] on %s", (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp(
      [
        GuardFixtureModule.create(database.url, { strategies: ['basic'], routes: true }, [
          GuardedController,
        ]),
      ],
      adapter,
    );
    await createGina(app);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('challenges with Basic only', async () => {
    const response = await http().get('/guarded').expect(401);
    expect(response.body.error).toBe('not_authenticated');
    const challenge = response.headers['www-authenticate'];
    expect(challenge).toContain('Basic realm="portcullis"');
    expect(challenge).not.toContain('Bearer');
  });

  it('accepts Basic credentials', async () => {
    const response = await http().get('/guarded').auth('gina', PASSWORD).expect(200);
    expect(response.body).toEqual({ user: 'gina' });
  });

  it('does not accept a valid JWT, since jwt is not in the order', async () => {
    const login = await http()
      .post('/auth/login')
      .send({ username: 'gina', password: PASSWORD })
      .expect(200);
    expect(login.body.access_token).toMatch(JWT_SHAPE);
    const response = await http()
      .get('/guarded')
      .set('Authorization', `Bearer ${login.body.access_token}`)
      .expect(401);
    expect(response.headers['www-authenticate'] ?? '').not.toContain('Bearer');
  });
});

describe.each(ADAPTERS)("strategies: ['jwt'] on %s", (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp(
      [
        GuardFixtureModule.create(database.url, { strategies: ['jwt'], routes: true }, [
          GuardedController,
        ]),
      ],
      adapter,
    );
    await createGina(app);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('does not accept Basic credentials and does not offer a Basic challenge', async () => {
    const response = await http().get('/guarded').auth('gina', PASSWORD).expect(401);
    expect(['invalid_token', 'not_authenticated']).toContain(response.body.error);
    const challenge = response.headers['www-authenticate'] ?? '';
    expect(challenge).not.toContain('Basic');
  });

  it('accepts a Bearer token', async () => {
    const login = await http()
      .post('/auth/login')
      .send({ username: 'gina', password: PASSWORD })
      .expect(200);
    const response = await http()
      .get('/guarded')
      .set('Authorization', `Bearer ${login.body.access_token}`)
      .expect(200);
    expect(response.body).toEqual({ user: 'gina' });
  });
});
