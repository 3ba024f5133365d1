import { Controller, Get, Module, Req, UseGuards, type INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { FastifyInstance } from 'fastify';
import { AuthGuard, AuthModule, CurrentUser, OptionalAuth, User, UserService } from 'portcullis';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET } from './support/test-app.js';
import { testTypeOrmModule } from './support/test-database.js';

/** Each handler answers the request's own property names, as they are when the handler runs. */
@Controller()
class ShapeController {
  @Get('open')
  open(@Req() req: object) {
    return { keys: Object.keys(req) };
  }

  @Get('guarded')
  @UseGuards(AuthGuard)
  guarded(@Req() req: object, @CurrentUser() user: User) {
    return { keys: Object.keys(req), username: user.username };
  }

  @Get('optional')
  @UseGuards(AuthGuard)
  @OptionalAuth()
  optional(@CurrentUser() user: User | undefined) {
    return { user: user?.username ?? null };
  }
}

@Module({
  imports: [
    testTypeOrmModule('sqlite::memory:'),
    AuthModule.forRoot({ routes: true, jwt: { secret: TEST_JWT_SECRET } }),
  ],
  controllers: [ShapeController],
})
class ShapeFixture {}

async function withUser<T extends INestApplication>(app: T): Promise<T> {
  await app
    .get<UserService<User>>(UserService)
    .createUser({ username: 'shape', password: 'correct horse battery' });
  return app;
}

/**
 * A Fastify app with Portcullis; `beforeNest` runs on the Fastify instance before Nest sees it, as an
 * application's own plugins do.
 */
async function startApp(beforeNest?: (fastify: FastifyInstance) => void) {
  const moduleRef = await Test.createTestingModule({ imports: [ShapeFixture] }).compile();
  const adapter = new FastifyAdapter();
  beforeNest?.(adapter.getInstance());
  const app = moduleRef.createNestApplication<NestFastifyApplication>(adapter, { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return withUser(app);
}

/** The same app on Express. */
async function startExpressApp() {
  const moduleRef = await Test.createTestingModule({ imports: [ShapeFixture] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return withUser(app);
}

async function accessToken(app: INestApplication): Promise<string> {
  const login = await request(app.getHttpServer())
    .post('/auth/login')
    .send({ username: 'shape', password: 'correct horse battery' })
    .expect(200);
  return login.body.access_token as string;
}

/** The property names of an open and of a guarded request, once the guarded one has its user. */
async function openAndGuardedKeys(app: INestApplication) {
  const token = await accessToken(app);
  const open = await request(app.getHttpServer()).get('/open').expect(200);
  const guarded = await request(app.getHttpServer())
    .get('/guarded')
    .set('Authorization', `Bearer ${token}`)
    .expect(200);
  expect(guarded.body.username).toBe('shape');
  return { open: open.body.keys as string[], guarded: guarded.body.keys as string[] };
}

/** An @OptionalAuth() route: no user for an anonymous caller, the user for a good token. */
async function expectOptionalUser(app: INestApplication) {
  const token = await accessToken(app);
  await request(app.getHttpServer()).get('/optional').expect(200, { user: null });
  await request(app.getHttpServer())
    .get('/optional')
    .set('Authorization', `Bearer ${token}`)
    .expect(200, { user: 'shape' });
  return token;
}

describe('Fastify requests keep one shape', () => {
  let app: NestFastifyApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('declares user and authInfo, so authenticated and anonymous requests have the same properties', async () => {
    app = await startApp();
    const fastify = app.getHttpAdapter().getInstance();
    expect(fastify.hasRequestDecorator('user')).toBe(true);
    expect(fastify.hasRequestDecorator('authInfo')).toBe(true);

    const keys = await openAndGuardedKeys(app);
    expect(keys.open).toContain('user');
    expect(keys.guarded).toEqual(keys.open);
  });

  it('leaves request.user undefined for an anonymous caller of an @OptionalAuth() route', async () => {
    app = await startApp();
    await expectOptionalUser(app);
  });

  it('boots next to a plugin that declared request.user first (as @fastify/passport does)', async () => {
    app = await startApp((fastify) => fastify.decorateRequest('user', null));
    const token = await accessToken(app);
    const guarded = await request(app.getHttpServer())
      .get('/guarded')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(guarded.body.username).toBe('shape');
    await request(app.getHttpServer()).get('/guarded').expect(401);
  });
});

describe('Express requests carry user and authInfo from the start', () => {
  let app: INestApplication | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('every request has both before Express sees it, so a guard adds no property', async () => {
    app = await startExpressApp();
    const keys = await openAndGuardedKeys(app);
    expect(keys.open).toEqual(expect.arrayContaining(['user', 'authInfo']));
    expect(keys.guarded).toEqual(keys.open);
  });

  it('anonymous callers still have no user; bad credentials are still refused', async () => {
    app = await startExpressApp();
    const server = app.getHttpServer();
    const token = await expectOptionalUser(app);
    await request(server).get('/guarded').expect(401);
    await request(server).get('/guarded').set('Authorization', `Bearer ${token}x`).expect(401);
  });
});
