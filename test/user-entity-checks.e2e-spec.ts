import { Module, type INestApplication, type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import * as argon2 from 'argon2';
import { inspect } from 'node:util';
import {
  AbstractUser,
  AuthConfigurationError,
  AuthModule,
  type AuthModuleForRootOptions,
} from 'portcullis';
import request from 'supertest';
import {
  Check,
  Column,
  DataSource,
  Entity,
  PrimaryGeneratedColumn,
  QueryFailedError,
} from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADAPTERS, createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createTestDatabase,
  type TestDatabase,
  testTypeOrmModule,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';

/** An application's own user entity: UUID key, e-mail handle, no username column. */
@Entity('accounts')
class Account extends AbstractUser {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 254, unique: true }) email!: string;
  @Column({ type: 'varchar', length: 100, default: '' }) displayName!: string;
}

/** Not a user entity: it has no passwordHash. */
@Entity('badges')
class Badge {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 100 }) username!: string;
}

/** A user entity whose hash column is too short for an argon2id hash. */
@Entity('short_hashes')
class ShortHash {
  @PrimaryGeneratedColumn() id!: number;
  @Column({ type: 'varchar', length: 100 }) username!: string;
  @Column({ type: 'varchar', length: 64, nullable: true }) passwordHash!: string | null;
}

// The database refuses every hash made with the app's parameters (m=2048): each registration and
// each hash upgrade on login fails after hashing, with the new hash among the query's parameters.
const STORED_MEMORY_COST = 1024;

@Entity('guarded_accounts')
@Check(`"passwordHash" NOT LIKE '%m=2048%'`)
class GuardedAccount extends AbstractUser {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 254, unique: true }) email!: string;
  @Column({ type: 'varchar', length: 40, default: '' }) nickname!: string;
}

function boot(userEntity: AuthModuleForRootOptions['userEntity'], options: object) {
  return Test.createTestingModule({
    imports: [
      testTypeOrmModule('sqlite::memory:'),
      AuthModule.forRoot({ userEntity, jwt: { secret: TEST_JWT_SECRET }, ...options }),
    ],
  }).compile();
}

// Compiling is where the checks run, before any adapter exists.
describe('the user entity checked at boot', () => {
  it('stops on a usernameField that is not a column, naming the entity and its columns', async () => {
    const compiled = boot(Account, { usernameField: 'username', routes: true });
    await expect(compiled).rejects.toBeInstanceOf(AuthConfigurationError);
    await expect(compiled).rejects.toThrow(
      'usernameField names username, but userEntity Account has no such column; its columns are passwordHash, isActive, isStaff, isSuperuser, dateJoined, lastLogin, id, email, displayName.',
    );
  });

  it('stops on the default usernameField when the entity has no username column', async () => {
    await expect(boot(Account, {})).rejects.toThrow(
      'usernameField names username, but userEntity Account has no such column',
    );
  });

  it("stops on an external issuer's userField that is not a column", async () => {
    const compiled = boot(Account, {
      usernameField: 'email',
      externalIssuers: [
        {
          issuer: 'https://idp.example',
          jwksUrl: 'https://idp.example/.well-known/jwks.json',
          audience: 'notes-api',
          userField: 'mail',
        },
      ],
    });
    await expect(compiled).rejects.toBeInstanceOf(AuthConfigurationError);
    await expect(compiled).rejects.toThrow(
      'externalIssuers (https://idp.example) userField names mail, but userEntity Account has no such column; its columns are',
    );
  });

  it('stops on an entity without a passwordHash column, and on one too short for a hash', async () => {
    await expect(boot(Badge, {})).rejects.toThrow(
      'userEntity Badge has no passwordHash column (the argon2id hash, a nullable string of 255 characters); extend AbstractUser or declare it. Its columns are id, username.',
    );
    await expect(boot(ShortHash, {})).rejects.toThrow(
      'userEntity ShortHash: passwordHash holds 64 characters; an argon2id hash needs up to 128',
    );
  });

  it('boots the same entity with the right usernameField', async () => {
    const compiled = await boot(Account, { usernameField: 'email' });
    await compiled.close();
  });
});

/** Every call a Nest logger receives, printed whole as Nest's console logger would inspect it. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private record(level: string, args: unknown[]) {
    this.lines.push(`${level} ${inspect(args, { depth: null, maxStringLength: null })}`);
  }
  log(...args: unknown[]) {
    this.record('log', args);
  }
  error(...args: unknown[]) {
    this.record('error', args);
  }
  warn(...args: unknown[]) {
    this.record('warn', args);
  }
  debug(...args: unknown[]) {
    this.record('debug', args);
  }
  verbose(...args: unknown[]) {
    this.record('verbose', args);
  }
  fatal(...args: unknown[]) {
    this.record('fatal', args);
  }
}

describe.each(ADAPTERS)(
  'no hash, password or query parameter in logs or bodies on %s',
  (adapter) => {
    let app: INestApplication;
    let database: TestDatabase;
    let logger: CapturingLogger;
    let storedHash: string;
    const http = () => request(app.getHttpServer());

    beforeAll(async () => {
      database = await createTestDatabase();
      @Module({
        imports: [
          testTypeOrmModule(database.url),
          AuthModule.forRoot({
            userEntity: GuardedAccount,
            usernameField: 'email',
            routes: true,
            jwt: { secret: TEST_JWT_SECRET },
            passwordHashing: { memoryCost: 2048, timeCost: 1 },
            passwordValidators: [],
            registration: {
              fields: ['nickname'],
              validate: ({ nickname }) => {
                // A bug of the app's, failing with a TypeORM error that carries a hash.
                if (nickname === 'explode') {
                  throw new QueryFailedError(
                    'UPDATE "guarded_accounts" SET "passwordHash" = ?',
                    [storedHash, PASSWORD],
                    new Error(`CHECK constraint failed: ${storedHash}`),
                  );
                }
              },
            },
          }),
        ],
      })
      class GuardedFixtureModule {}
      logger = new CapturingLogger();
      app = await createTestApp([GuardedFixtureModule], adapter, undefined, logger);
      storedHash = await argon2.hash(PASSWORD, {
        type: argon2.argon2id,
        memoryCost: STORED_MEMORY_COST,
        timeCost: 1,
      });
      if (database.kind === 'mariadb') {
        // TypeORM leaves @Check out on MySQL and MariaDB: triggers refuse the same hashes there.
        for (const event of ['INSERT', 'UPDATE']) {
          await app.get(DataSource).query(
            `CREATE TRIGGER guarded_${event.toLowerCase()} BEFORE ${event} ON guarded_accounts
             FOR EACH ROW IF NEW.passwordHash LIKE '%m=2048%' THEN
               SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'hash refused';
             END IF`,
          );
        }
      }
      await app
        .get(DataSource)
        .getRepository(GuardedAccount)
        .insert({ email: 'old@example.io', passwordHash: storedHash });
    });

    afterAll(async () => {
      await app?.close();
      await database?.drop();
    });

    beforeEach(() => {
      logger.lines.length = 0;
    });

    function expectNoSecrets(texts: string[]) {
      for (const text of texts) {
        expect(text).not.toContain('$argon2');
        expect(text).not.toContain(storedHash);
        expect(text).not.toContain(storedHash.split('$').pop());
        expect(text).not.toContain(PASSWORD);
      }
    }

    it('a registration whose insert fails after hashing: 500 internal_error, one redacted log line', async () => {
      const response = await http()
        .post('/auth/register')
        .send({ email: 'new@example.io', password: PASSWORD })
        .expect(500);
      expect(response.body).toEqual({
        statusCode: 500,
        error: 'internal_error',
        message: 'Something went wrong on our side.',
      });
      expect(logger.lines.some((line) => line.startsWith('error'))).toBe(true);
      expect(logger.lines.join('\n')).toMatch(
        /Inserting a user into guarded_accounts failed: QueryFailedError/,
      );
      expectNoSecrets([...logger.lines, response.text]);
      expect(
        await app
          .get(DataSource)
          .getRepository(GuardedAccount)
          .findOneBy({ email: 'new@example.io' }),
      ).toBeNull();
    });

    it('a login whose hash upgrade fails: still 200, the failure logged without the hash', async () => {
      const response = await http()
        .post('/auth/login')
        .send({ email: 'old@example.io', password: PASSWORD })
        .expect(200);
      expect(response.body.token_type).toBe('Bearer');
      const logged = logger.lines.join('\n');
      expect(logged).toMatch(/Updating a user of guarded_accounts failed: QueryFailedError/);
      expect(logged).toMatch(/Could not upgrade a password hash/);
      expectNoSecrets([...logger.lines, JSON.stringify(response.body)]);
      const row = await app
        .get(DataSource)
        .getRepository(GuardedAccount)
        .findOneBy({ email: 'old@example.io' });
      expect(row?.passwordHash).toBe(storedHash);
    });

    it('an unexpected error on a library route: 500 internal_error, logged by class only', async () => {
      const response = await http()
        .post('/auth/register')
        .send({ email: 'boom@example.io', password: PASSWORD, nickname: 'explode' })
        .expect(500);
      expect(response.body).toEqual({
        statusCode: 500,
        error: 'internal_error',
        message: 'Something went wrong on our side.',
      });
      expect(logger.lines.join('\n')).toMatch(/\.register failed: QueryFailedError/);
      expect(logger.lines.join('\n')).not.toContain('CHECK constraint failed');
      expectNoSecrets([...logger.lines, response.text]);
    });

    it('a wrong password on login logs nothing that carries it', async () => {
      const wrong = 'not the right password at all';
      await http()
        .post('/auth/login')
        .send({ email: 'old@example.io', password: wrong })
        .expect(401);
      expectNoSecrets(logger.lines);
      for (const line of logger.lines) expect(line).not.toContain(wrong);
    });
  },
);
