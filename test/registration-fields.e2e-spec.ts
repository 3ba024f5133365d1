import { Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import * as argon2 from 'argon2';
import {
  AbstractUser,
  AuthConfigurationError,
  AuthModule,
  type AuthModuleForRootOptions,
  type RegistrationOptions,
  type ValidationProblem,
} from 'portcullis';
import request from 'supertest';
import {
  BeforeInsert,
  Column,
  DataSource,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';

/** An application's user entity with columns of its own, some of them meant for registration. */
@Entity('members')
class Member extends AbstractUser {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 254, unique: true }) email!: string;
  @Column({ type: 'varchar', length: 20, default: '' }) displayName!: string;
  @Column({ type: 'varchar', length: 36, nullable: true }) tenantId!: string | null;
  @Column({ type: 'int', default: 0 }) age!: number;
  @Column({ type: 'boolean', default: false }) newsletter!: boolean;
  /** Not listed in registration.fields: a body must not set it. */
  @Column({ type: 'varchar', length: 20, default: 'member' }) role!: string;
  @Column({ type: 'simple-json', nullable: true }) preferences!: unknown;
  @UpdateDateColumn() updatedAt!: Date;
}

const TENANTS = new Set(['acme', 'globex']);

const REGISTRATION: RegistrationOptions = {
  fields: ['displayName', 'tenantId', 'age', 'newsletter'],
  // Asynchronous on purpose: a hook that looks something up.
  validate: async ({ tenantId }) => {
    await Promise.resolve();
    const problems: ValidationProblem[] = [];
    if (typeof tenantId === 'string' && !TENANTS.has(tenantId)) {
      problems.push({ field: 'tenantId', message: 'tenantId must name a tenant.' });
    }
    return problems;
  },
};

function memberModule(url: string, registration: RegistrationOptions = REGISTRATION) {
  @Module({
    imports: [
      testTypeOrmModule(url),
      AuthModule.forRoot({
        userEntity: Member,
        usernameField: 'email',
        routes: true,
        registration,
        jwt: { secret: TEST_JWT_SECRET },
      }),
    ],
  })
  class MemberFixtureModule {}
  return MemberFixtureModule;
}

describe.each(ADAPTERS)('registration.fields (Member entity) on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  const http = () => request(app.getHttpServer());
  const row = (email: string) => app.get(DataSource).getRepository(Member).findOneBy({ email });

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp([memberModule(database.url)], adapter);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('sets the listed columns, stores them and answers them without the hash', async () => {
    const response = await http()
      .post('/auth/register')
      .send({
        email: 'ann@example.io',
        password: PASSWORD,
        displayName: 'Ann',
        tenantId: 'acme',
        age: 41,
        newsletter: true,
      })
      .expect(201);
    expect(response.body).toMatchObject({
      email: 'ann@example.io',
      displayName: 'Ann',
      tenantId: 'acme',
      age: 41,
      newsletter: true,
    });
    expect(response.body).not.toHaveProperty('passwordHash');
    expect(JSON.stringify(response.body)).not.toContain('$argon2');
    expect(await row('ann@example.io')).toMatchObject({
      id: response.body.id,
      displayName: 'Ann',
      tenantId: 'acme',
      age: 41,
      newsletter: true,
      isSuperuser: false,
    });
  });

  it('leaves columns that were not sent at their defaults, and takes null for a nullable one', async () => {
    await http()
      .post('/auth/register')
      .send({ email: 'ben@example.io', password: PASSWORD, tenantId: null })
      .expect(201);
    expect(await row('ben@example.io')).toMatchObject({
      displayName: '',
      tenantId: null,
      age: 0,
      newsletter: false,
    });
  });

  it('ignores fields it was not told about, even columns of the entity', async () => {
    await http()
      .post('/auth/register')
      .send({
        email: 'cat@example.io',
        password: PASSWORD,
        role: 'admin',
        favouriteColour: 'teal',
        preferences: { theme: 'dark' },
      })
      .expect(201);
    expect(await row('cat@example.io')).toMatchObject({ role: 'member', preferences: null });
  });

  it('never lets a body make the account privileged, inactive, or choose its hash or id', async () => {
    const forgedHash = await argon2.hash('attacker chosen password');
    const response = await http()
      .post('/auth/register')
      .send({
        email: 'dan@example.io',
        password: PASSWORD,
        isSuperuser: true,
        isStaff: true,
        isActive: false,
        passwordHash: forgedHash,
        id: '00000000-0000-4000-8000-000000000000',
        lastLogin: '2000-01-01T00:00:00.000Z',
        dateJoined: '2000-01-01T00:00:00.000Z',
      })
      .expect(201);
    expect(response.body).toMatchObject({ isSuperuser: false, isStaff: false, isActive: true });
    const stored = await row('dan@example.io');
    expect(stored).toMatchObject({ isSuperuser: false, isStaff: false, isActive: true });
    expect(stored!.id).not.toBe('00000000-0000-4000-8000-000000000000');
    expect(stored!.lastLogin).toBeNull();
    expect(stored!.dateJoined.getFullYear()).toBeGreaterThan(2000);
    expect(stored!.passwordHash).not.toBe(forgedHash);
    expect(await argon2.verify(stored!.passwordHash!, PASSWORD)).toBe(true);
    // The account logs in with its own password and not with the one behind the forged hash.
    await http()
      .post('/auth/login')
      .send({ email: 'dan@example.io', password: 'attacker chosen password' })
      .expect(401);
    await http()
      .post('/auth/login')
      .send({ email: 'dan@example.io', password: PASSWORD })
      .expect(200);
  });

  it('refuses a value longer than its column with 400 validation_failed, storing nothing', async () => {
    const response = await http()
      .post('/auth/register')
      .send({ email: 'eve@example.io', password: PASSWORD, displayName: 'x'.repeat(21) })
      .expect(400);
    expect(response.body).toEqual({
      statusCode: 400,
      error: 'validation_failed',
      message: 'displayName must be at most 20 characters.',
      details: [{ field: 'displayName', message: 'displayName must be at most 20 characters.' }],
    });
    expect(await row('eve@example.io')).toBeNull();
    // Twenty characters, counted as characters (one emoji is two UTF-16 units), fit.
    await http()
      .post('/auth/register')
      .send({ email: 'eve@example.io', password: PASSWORD, displayName: '😀'.repeat(20) })
      .expect(201);
  });

  it('refuses values of the wrong type, listing every field at fault', async () => {
    const response = await http()
      .post('/auth/register')
      .send({
        email: 'fay@example.io',
        password: PASSWORD,
        displayName: 5,
        tenantId: { id: 'acme' },
        age: '41',
        newsletter: 'yes',
      })
      .expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'validation_failed' });
    expect(response.body.details).toEqual([
      { field: 'displayName', message: 'displayName must be a string.' },
      { field: 'tenantId', message: 'tenantId must be a string.' },
      { field: 'age', message: 'age must be an integer.' },
      { field: 'newsletter', message: 'newsletter must be true or false.' },
    ]);
    expect(await row('fay@example.io')).toBeNull();
  });

  it.each([
    [{ age: 1.5 }, 'age', 'age must be an integer.'],
    [{ age: 1e300 }, 'age', 'age must be an integer.'],
    [{ displayName: null }, 'displayName', 'displayName must not be null.'],
    [
      { displayName: 'nul\u0000byte' },
      'displayName',
      'displayName must not contain NUL characters.',
    ],
    [{ newsletter: 1 }, 'newsletter', 'newsletter must be true or false.'],
    [{ tenantId: ['acme'] }, 'tenantId', 'tenantId must be a string.'],
  ])('refuses %o with 400 naming the field', async (extra, field, message) => {
    const response = await http()
      .post('/auth/register')
      .send({ email: 'gus@example.io', password: PASSWORD, ...extra })
      .expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'validation_failed' });
    expect(response.body.details).toEqual([{ field, message }]);
    expect(await row('gus@example.io')).toBeNull();
  });

  it('lists the problems of the handle, the password and the extra fields together', async () => {
    const response = await http()
      .post('/auth/register')
      .send({ email: 'not-an-address', displayName: 7 })
      .expect(400);
    expect(response.body.details.map((problem: ValidationProblem) => problem.field)).toEqual([
      'email',
      'password',
      'displayName',
    ]);
  });

  it("answers the validation hook's problems with 400 validation_failed, storing nothing", async () => {
    const response = await http()
      .post('/auth/register')
      .send({ email: 'hal@example.io', password: PASSWORD, tenantId: 'initech' })
      .expect(400);
    expect(response.body).toEqual({
      statusCode: 400,
      error: 'validation_failed',
      message: 'tenantId must name a tenant.',
      details: [{ field: 'tenantId', message: 'tenantId must name a tenant.' }],
    });
    expect(await row('hal@example.io')).toBeNull();
    await http()
      .post('/auth/register')
      .send({ email: 'hal@example.io', password: PASSWORD, tenantId: 'globex' })
      .expect(201);
  });
});

// The options are checked when the app compiles, before any adapter exists.
describe('registration.fields at boot', () => {
  function boot(fields: string[]) {
    return Test.createTestingModule({
      imports: [memberModule('sqlite::memory:', { fields })],
    }).compile();
  }

  it.each(['isSuperuser', 'isStaff', 'isActive', 'passwordHash', 'id', 'lastLogin', 'dateJoined'])(
    'refuses the column %s, which Portcullis owns',
    async (field) => {
      const compiled = boot(['displayName', field]);
      await expect(compiled).rejects.toBeInstanceOf(AuthConfigurationError);
      await expect(compiled).rejects.toThrow(
        `registration.fields: ${field} belongs to Portcullis and can never be set by a registration`,
      );
    },
  );

  it.each(['email', 'password'])('refuses %s, which registration reads already', async (field) => {
    await expect(boot([field])).rejects.toThrow(`registration.fields: ${field} is already read`);
  });

  it('refuses a name that is not a column, naming the entity and its columns', async () => {
    const compiled = boot(['displayNme']);
    await expect(compiled).rejects.toBeInstanceOf(AuthConfigurationError);
    await expect(compiled).rejects.toThrow(
      'registration.fields names displayNme, but userEntity Member has no such column; its columns are passwordHash, isActive, isStaff, isSuperuser, dateJoined, lastLogin, id, email, displayName, tenantId, age, newsletter, role, preferences, updatedAt.',
    );
  });

  it('refuses a date column the database fills, and a JSON column', async () => {
    await expect(boot(['updatedAt'])).rejects.toThrow(
      'registration.fields: updatedAt is a key, generated, date or version column of Member',
    );
    await expect(boot(['preferences'])).rejects.toThrow(
      'registration.fields: preferences is a simple-json column of Member; a registration sets only string, number and boolean columns',
    );
  });

  it('refuses a hook that is not a function', async () => {
    const compiled = Test.createTestingModule({
      imports: [
        memberModule('sqlite::memory:', {
          fields: [],
          validate: 'tenantId' as unknown as RegistrationOptions['validate'],
        }),
      ],
    }).compile();
    await expect(compiled).rejects.toThrow('registration.validate must be a function');
  });
});

/** A user entity with a column every insert needs (not nullable, no default). */
@Entity('tenant_members')
class TenantMember extends AbstractUser {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 254, unique: true }) email!: string;
  @Column({ type: 'varchar', length: 20 }) tenantCode!: string;
}

/** The same need, met by the entity itself before each insert. */
@Entity('hooked_members')
class HookedMember extends AbstractUser {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 254, unique: true }) email!: string;
  @Column({ type: 'varchar', length: 20 }) tenantCode!: string;
  @BeforeInsert() defaultTenant() {
    this.tenantCode ??= 'default';
  }
}

function bootWith(options: Partial<AuthModuleForRootOptions>, url = 'sqlite::memory:') {
  return Test.createTestingModule({
    imports: [
      testTypeOrmModule(url),
      AuthModule.forRoot({ jwt: { secret: TEST_JWT_SECRET }, ...options }),
    ],
  }).compile();
}

describe('columns a registration must fill, at boot', () => {
  it('refuses register routes that could never fill a required column, naming it', async () => {
    const compiled = bootWith({ userEntity: TenantMember, usernameField: 'email', routes: true });
    await expect(compiled).rejects.toBeInstanceOf(AuthConfigurationError);
    await expect(compiled).rejects.toThrow(
      'POST /auth/register cannot fill TenantMember.tenantCode: it is not nullable and has no default.',
    );
  });

  it('refuses the built-in User with usernameField email and routes, since username is required', async () => {
    await expect(bootWith({ usernameField: 'email', routes: true })).rejects.toThrow(
      'POST /auth/register cannot fill User.username',
    );
  });

  it('boots without routes, with the column listed, or with a hook that fills it', async () => {
    for (const options of [
      { userEntity: TenantMember, usernameField: 'email' },
      {
        userEntity: TenantMember,
        usernameField: 'email',
        routes: true,
        registration: { fields: ['tenantCode'] },
      },
      { userEntity: HookedMember, usernameField: 'email', routes: true },
      { usernameField: 'email' },
    ]) {
      const compiled = await bootWith(options);
      await compiled.close();
    }
  });
});

describe.each(ADAPTERS)('a required column listed in registration.fields on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp(
      [
        testTypeOrmModule(database.url),
        AuthModule.forRoot({
          userEntity: TenantMember,
          usernameField: 'email',
          routes: true,
          registration: { fields: ['tenantCode'] },
          jwt: { secret: TEST_JWT_SECRET },
        }),
      ],
      adapter,
    );
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('answers its absence with 400 validation_failed naming it, storing nothing, and takes it when sent', async () => {
    const email = `required-${adapter}@example.test`;
    const missing = await http().post('/auth/register').send({ email, password: PASSWORD });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: 'validation_failed' });
    expect(missing.body.details).toEqual([
      { field: 'tenantCode', message: 'tenantCode is required.' },
    ]);
    const rows = app.get(DataSource).getRepository(TenantMember);
    expect(await rows.countBy({ email })).toBe(0);
    const sent = await http()
      .post('/auth/register')
      .send({ email, password: PASSWORD, tenantCode: 'acme' });
    expect(sent.status).toBe(201);
    expect((await rows.findOneByOrFail({ email })).tenantCode).toBe('acme');
  });
});
