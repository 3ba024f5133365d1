import {
  Body,
  Controller,
  Get,
  HttpCode,
  Injectable,
  Module,
  Post,
  UseGuards,
  type DynamicModule,
  type INestApplication,
} from '@nestjs/common';
import { AbstractUser, AuthGuard, AuthModule, CurrentUser, InjectUserRepository } from 'portcullis';
import request from 'supertest';
import { Column, DataSource, Entity, PrimaryGeneratedColumn, type Repository } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An application's own user entity: UUID key, e-mail handle, one extra column. */
@Entity('accounts')
class Account extends AbstractUser {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 254, unique: true }) email!: string;
  @Column({ type: 'varchar', length: 100, default: '' }) displayName!: string;
}

/** Uses the typed user repository injected through `@InjectUserRepository()`. */
@Injectable()
class ProfileService {
  constructor(@InjectUserRepository() private readonly accounts: Repository<Account>) {}

  async rename(id: string, displayName: string): Promise<{ displayName: string }> {
    await this.accounts.update({ id }, { displayName });
    const account = await this.accounts.findOneByOrFail({ id });
    return { displayName: account.displayName };
  }
}

@UseGuards(AuthGuard)
@Controller('profile')
class ProfileController {
  constructor(private readonly profiles: ProfileService) {}

  @Get()
  show(@CurrentUser() user: Account) {
    return {
      isAccount: user instanceof Account,
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      hasHash: 'passwordHash' in user,
    };
  }

  @Get('id')
  id(@CurrentUser('id') id: string) {
    return { id };
  }

  @Post('name')
  @HttpCode(200)
  rename(@CurrentUser('id') id: string, @Body() body: { displayName: string }) {
    return this.profiles.rename(id, body.displayName);
  }
}

@Module({ controllers: [ProfileController], providers: [ProfileService] })
class AccountFixtureModule {
  static forDatabase(url: string): DynamicModule {
    return {
      module: AccountFixtureModule,
      imports: [
        testTypeOrmModule(url),
        AuthModule.forRoot({
          userEntity: Account,
          usernameField: 'email',
          routes: true,
          jwt: { secret: TEST_JWT_SECRET },
        }),
      ],
    };
  }
}

describe.each(ADAPTERS)('custom user entity (Account, email handle) on %s', (adapter) => {
  let app: INestApplication;
  let database: TestDatabase;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await createTestApp([AccountFixtureModule.forDatabase(database.url)], adapter);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  async function loginToken(email: string, password = PASSWORD): Promise<string> {
    const response = await http().post('/auth/login').send({ email, password }).expect(200);
    expect(response.body.token_type).toBe('Bearer');
    return response.body.access_token as string;
  }

  it('registers with email, answers a UUID id and never the password hash', async () => {
    const response = await http()
      .post('/auth/register')
      .send({ email: 'bob@example.io', password: PASSWORD })
      .expect(201);
    expect(response.body).toMatchObject({
      id: expect.stringMatching(UUID),
      email: 'bob@example.io',
      isActive: true,
    });
    expect(response.body).not.toHaveProperty('passwordHash');
  });

  it('gives @CurrentUser() an Account with its extra columns and no hash', async () => {
    const registered = await http()
      .post('/auth/register')
      .send({ email: 'carol@example.io', password: PASSWORD })
      .expect(201);
    const auth = `Bearer ${await loginToken('carol@example.io')}`;

    const profile = await http().get('/profile').set('Authorization', auth).expect(200);
    expect(profile.body).toEqual({
      isAccount: true,
      id: registered.body.id,
      email: 'carol@example.io',
      displayName: '',
      hasHash: false,
    });
    expect(profile.body.id).toMatch(UUID);

    const id = await http().get('/profile/id').set('Authorization', auth).expect(200);
    expect(id.body).toEqual({ id: registered.body.id });

    const renamed = await http()
      .post('/profile/name')
      .set('Authorization', auth)
      .send({ displayName: 'Carol C.' })
      .expect(200);
    expect(renamed.body).toEqual({ displayName: 'Carol C.' });
    const after = await http().get('/profile').set('Authorization', auth).expect(200);
    expect(after.body).toMatchObject({ isAccount: true, displayName: 'Carol C.', hasHash: false });

    const viaBasic = await http().get('/profile').auth('carol@example.io', PASSWORD).expect(200);
    expect(viaBasic.body).toMatchObject({
      isAccount: true,
      id: registered.body.id,
      hasHash: false,
    });
  });

  it('serves GET /auth/me for an Account without the password hash', async () => {
    const registered = await http()
      .post('/auth/register')
      .send({ email: 'dave@example.io', password: PASSWORD })
      .expect(201);
    const token = await loginToken('dave@example.io');
    const me = await http().get('/auth/me').set('Authorization', `Bearer ${token}`).expect(200);
    expect(me.body).toMatchObject({
      id: registered.body.id,
      email: 'dave@example.io',
      displayName: '',
    });
    expect(me.body).not.toHaveProperty('passwordHash');
  });

  it('normalises the email handle: one account per address, any case', async () => {
    const first = await http()
      .post('/auth/register')
      .send({ email: 'Alice@Example.io', password: PASSWORD })
      .expect(201);
    expect(first.body.email).toBe('alice@example.io');

    const second = await http()
      .post('/auth/register')
      .send({ email: 'alice@example.io', password: PASSWORD })
      .expect(409);
    expect(second.body).toMatchObject({ statusCode: 409, error: 'username_taken' });

    const token = await loginToken('ALICE@example.io');
    const profile = await http()
      .get('/profile')
      .set('Authorization', `Bearer ${token}`)
      .expect(200);
    expect(profile.body).toMatchObject({ id: first.body.id, email: 'alice@example.io' });

    const row = await app.get(DataSource).getRepository(Account).findOneBy({
      email: 'alice@example.io',
    });
    expect(row?.id).toBe(first.body.id);
    expect(row?.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it('wants the handle under "email": a "username" body is 400 validation_failed', async () => {
    const response = await http()
      .post('/auth/register')
      .send({ username: 'erin@example.io', password: PASSWORD })
      .expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'validation_failed' });
    expect(response.body.details).toEqual([{ field: 'email', message: expect.any(String) }]);
  });

  it('rejects a handle that is not an email address with 400', async () => {
    const response = await http()
      .post('/auth/register')
      .send({ email: 'not-an-email', password: PASSWORD })
      .expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'validation_failed' });
    expect(response.body.details).toEqual([{ field: 'email', message: expect.any(String) }]);
  });
});
