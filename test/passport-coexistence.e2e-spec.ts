import { Controller, Get, Injectable, UseGuards, type INestApplication } from '@nestjs/common';
import { AuthGuard as PassportAuthGuard, PassportStrategy } from '@nestjs/passport';
import jwt from 'jsonwebtoken';
import passport from 'passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AuthGuard, AuthModule, User, UserService } from 'portcullis';
import request from 'supertest';
import { testTypeOrmModule } from './support/test-database.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_JWT_SECRET } from './support/test-app.js';

const THEIR_SECRET = 'the-applications-own-secret-for-its-own-tokens-0123';

/** The NestJS documentation's recipe, as an application may already have it. */
@Injectable()
class TheirJwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor() {
    super({ jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(), secretOrKey: THEIR_SECRET });
  }

  validate(payload: { sub: string }) {
    return { theirs: payload.sub };
  }
}

@Controller()
class MixedController {
  @Get('theirs')
  @UseGuards(PassportAuthGuard('jwt'))
  theirs() {
    return { route: 'theirs' };
  }

  @Get('ours')
  @UseGuards(AuthGuard)
  ours() {
    return { route: 'ours' };
  }
}

describe('Portcullis next to an application’s own passport-jwt strategy named "jwt"', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const { Module } = await import('@nestjs/common');
    @Module({
      imports: [
        testTypeOrmModule('sqlite::memory:'),
        AuthModule.forRoot({ routes: true, jwt: { secret: TEST_JWT_SECRET } }),
      ],
      controllers: [MixedController],
      providers: [TheirJwtStrategy],
    })
    class MixedFixture {}
    app = await createTestApp([MixedFixture], 'express');
    await app
      .get<UserService<User>>(UserService)
      .createUser({ username: 'both', password: 'correct horse battery' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('each guard keeps its own strategy: neither replaces the other in Passport', async () => {
    const theirToken = jwt.sign({ sub: 'app-user' }, THEIR_SECRET, { expiresIn: 60 });
    const login = await request(app.getHttpServer())
      .post('/auth/login')
      .send({ username: 'both', password: 'correct horse battery' })
      .expect(200);
    const ourToken = login.body.access_token as string;

    await request(app.getHttpServer())
      .get('/theirs')
      .set('Authorization', `Bearer ${theirToken}`)
      .expect(200);
    await request(app.getHttpServer())
      .get('/theirs')
      .set('Authorization', `Bearer ${ourToken}`)
      .expect(401);
    await request(app.getHttpServer())
      .get('/ours')
      .set('Authorization', `Bearer ${ourToken}`)
      .expect(200);
    await request(app.getHttpServer())
      .get('/ours')
      .set('Authorization', `Bearer ${theirToken}`)
      .expect(401);
  });

  it('Portcullis registers its strategies under prefixed names', () => {
    const registry = passport as unknown as { _strategy(name: string): unknown };
    expect(registry._strategy('jwt')).toBeInstanceOf(TheirJwtStrategy);
    expect(registry._strategy('portcullis-jwt')).toBeDefined();
    expect(registry._strategy('portcullis-api-key')).toBeDefined();
  });
});
