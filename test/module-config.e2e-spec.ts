import type { DynamicModule, INestApplication } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  AbstractUser,
  AuthConfigurationError,
  AuthModule,
  type LoginStrategyName,
} from 'portcullis';
import request from 'supertest';
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseOptionsFromUrl } from '../src/database.js';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';

/** A valid user entity that the fixture below deliberately leaves out of the TypeORM connection. */
@Entity('stray_users')
class StrayEntity extends AbstractUser {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 150, unique: true }) username!: string;
}

function typeOrm(url: string): DynamicModule {
  return testTypeOrmModule(url);
}

/** AuthModule configured from ConfigService, the way an application reads its environment. */
function authFromConfig(values: Record<string, string>): DynamicModule {
  return AuthModule.forRootAsync({
    imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => values] })],
    inject: [ConfigService],
    useFactory: (config: ConfigService) => ({
      jwt: {
        secret: config.getOrThrow<string>('AUTH_JWT_SECRET'),
        issuer: config.get<string>('AUTH_ISSUER'),
      },
    }),
    routes: true,
  });
}

function decodePayload(token: string): Record<string, unknown> {
  const [, payload] = token.split('.');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe.each(ADAPTERS)('forRootAsync with ConfigService on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp(
      [
        typeOrm(database.url),
        authFromConfig({ AUTH_JWT_SECRET: TEST_JWT_SECRET, AUTH_ISSUER: 'fixture-issuer' }),
      ],
      adapter,
    );
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('registers, logs in and signs tokens with the configured issuer', async () => {
    await http().post('/auth/register').send({ username: 'iris', password: PASSWORD }).expect(201);
    const login = await http()
      .post('/auth/login')
      .send({ username: 'iris', password: PASSWORD })
      .expect(200);
    expect(login.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });

    const claims = decodePayload(login.body.access_token);
    expect(claims).toMatchObject({
      iss: 'fixture-issuer',
      aud: 'portcullis',
      typ: 'access',
      sub: expect.any(String),
      jti: expect.any(String),
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);

    const me = await http()
      .get('/auth/me')
      .set('Authorization', `Bearer ${login.body.access_token}`)
      .expect(200);
    expect(me.body).toMatchObject({ username: 'iris' });
    expect(String(me.body.id)).toBe(claims.sub);
  });
});

describe.each(ADAPTERS)("routes: { prefix: 'account' } on %s", (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp(
      [
        typeOrm(database.url),
        AuthModule.forRoot({ routes: { prefix: 'account' }, jwt: { secret: TEST_JWT_SECRET } }),
      ],
      adapter,
    );
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('mounts register, login and me under /account', async () => {
    await http()
      .post('/account/register')
      .send({ username: 'jack', password: PASSWORD })
      .expect(201);
    const login = await http()
      .post('/account/login')
      .send({ username: 'jack', password: PASSWORD })
      .expect(200);
    expect(login.body.token_type).toBe('Bearer');
    const me = await http()
      .get('/account/me')
      .set('Authorization', `Bearer ${login.body.access_token}`)
      .expect(200);
    expect(me.body).toMatchObject({ username: 'jack' });
  });

  it('does not mount /auth', async () => {
    await http().post('/auth/login').send({ username: 'jack', password: PASSWORD }).expect(404);
    await http().post('/auth/register').send({ username: 'kate', password: PASSWORD }).expect(404);
  });
});

// A failed compile leaves no module to close, so these use a throwaway in-memory SQLite connection
// rather than the run's database server.
describe('boot failures', () => {
  const IN_MEMORY = 'sqlite::memory:';

  function compile(imports: NonNullable<DynamicModule['imports']>) {
    return Test.createTestingModule({ imports }).compile();
  }

  it('rejects a 10-byte secret from the async factory, naming jwt.secret and 32 bytes', async () => {
    const boot = compile([typeOrm(IN_MEMORY), authFromConfig({ AUTH_JWT_SECRET: '0123456789' })]);
    await expect(boot).rejects.toBeInstanceOf(AuthConfigurationError);
    await expect(boot).rejects.toThrow(/jwt\.secret/);
    await expect(boot).rejects.toThrow(/32/);
  });

  it('rejects an unknown strategy name when forRoot is called', () => {
    expect(() =>
      AuthModule.forRoot({
        strategies: ['nope'] as unknown as LoginStrategyName[],
        jwt: { secret: TEST_JWT_SECRET },
      }),
    ).toThrow(AuthConfigurationError);
    expect(() =>
      AuthModule.forRoot({ strategies: ['nope'] as unknown as LoginStrategyName[] }),
    ).toThrow(/nope/);
  });

  it('rejects a userEntity that is not a TypeORM entity when forRoot is called', () => {
    class NotAnEntity {}
    expect(() =>
      AuthModule.forRoot({ userEntity: NotAnEntity, jwt: { secret: TEST_JWT_SECRET } }),
    ).toThrow(/@Entity/);
    expect(() => AuthModule.forRoot({ userEntity: NotAnEntity })).toThrow(AuthConfigurationError);
  });

  it('rejects an entity that is not part of the TypeORM connection, pointing at autoLoadEntities', async () => {
    const boot = compile([
      TypeOrmModule.forRoot({ ...databaseOptionsFromUrl(IN_MEMORY), entities: [] }),
      AuthModule.forRoot({ userEntity: StrayEntity, jwt: { secret: TEST_JWT_SECRET } }),
    ]);
    await expect(boot).rejects.toBeInstanceOf(AuthConfigurationError);
    await expect(boot).rejects.toThrow(/autoLoadEntities/);
  });

  describe('without any secret', () => {
    let saved: string | undefined;

    beforeEach(() => {
      saved = process.env.AUTH_JWT_SECRET;
      delete process.env.AUTH_JWT_SECRET;
    });

    afterEach(() => {
      if (saved === undefined) delete process.env.AUTH_JWT_SECRET;
      else process.env.AUTH_JWT_SECRET = saved;
    });

    it('rejects the boot, naming AUTH_JWT_SECRET', async () => {
      const boot = compile([typeOrm(IN_MEMORY), AuthModule.forRoot({ routes: true })]);
      await expect(boot).rejects.toBeInstanceOf(AuthConfigurationError);
      await expect(boot).rejects.toThrow(/AUTH_JWT_SECRET/);
    });
  });
});
