import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  AbstractUser,
  ApiKey,
  AuthGroup,
  AuthModule,
  AuthSession,
  GroupPermission,
  OneTimeToken,
  RefreshTokenRecord,
  UserGroup,
  UserPermission,
  VerifiedEmail,
} from 'portcullis';
import {
  PortcullisInit1764000000000,
  PortcullisMigrationError,
  portcullisMigrations,
  type MigrationClass,
} from 'portcullis/migrations';
import { Column, DataSource, Entity, PrimaryGeneratedColumn, type QueryRunner } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseOptionsFromUrl } from '../src/database.js';
import { TEST_JWT_SECRET } from './support/test-app.js';
import {
  createDurableTestDatabase,
  createTestDatabase,
  testDatabaseKind,
  type TestDatabase,
} from './support/test-database.js';

const LIBRARY_TABLES = [
  'auth_api_keys',
  'auth_group_permissions',
  'auth_groups',
  'auth_one_time_tokens',
  'auth_refresh_tokens',
  'auth_sessions',
  'auth_user_groups',
  'auth_user_permissions',
  'auth_verified_emails',
];

const LIBRARY_ENTITIES = [
  AuthSession,
  RefreshTokenRecord,
  ApiKey,
  AuthGroup,
  GroupPermission,
  UserPermission,
  UserGroup,
  OneTimeToken,
  VerifiedEmail,
];

/** An application's own user entity, whose table the application's migrations create. */
@Entity('accounts')
class Account extends AbstractUser {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 254, unique: true }) email!: string;
}

/**
 * The drift guard: on an empty database the migrations must leave nothing for TypeORM's schema
 * builder to do, i.e. they make exactly the schema `synchronize` would make from the entities. The
 * entities come from AuthModule itself (autoLoadEntities), so an entity added to the library without a
 * migration fails here too. When it fails, the listed statements are what a new migration needs (a
 * class beside PortcullisInit in libs/auth/src/migrations, added to portcullisMigrations()). The
 * example app's own migrations are checked the same way in example-migrations.e2e-spec.ts: its
 * NotesModule registers Note for autoLoadEntities as soon as it is imported, so not in this file.
 */
describe(`Portcullis migrations on ${testDatabaseKind()}`, () => {
  let database: TestDatabase;
  let moduleRef: TestingModule | undefined;

  beforeEach(async () => {
    database = await createTestDatabase();
  });

  /** The connection options; a MariaDB server as `mariadb`, so TypeORM reads its schema right. */
  function connectionOptions(url = database.url) {
    return databaseOptionsFromUrl(
      database.kind === 'mariadb' ? url.replace(/^mysql:/, 'mariadb:') : url,
    );
  }

  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    await database.drop();
  });

  /** Boots AuthModule on the test database, running the given migrations instead of synchronize. */
  async function bootWithMigrations(migrations: MigrationClass[]): Promise<DataSource> {
    moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({
          ...connectionOptions(),
          autoLoadEntities: true,
          migrations,
          migrationsRun: true,
        }),
        AuthModule.forRoot({ jwt: { secret: TEST_JWT_SECRET } }),
      ],
    }).compile();
    return moduleRef.get(DataSource);
  }

  async function pendingSchemaChanges(dataSource: DataSource): Promise<string[]> {
    const log = await dataSource.driver.createSchemaBuilder().log();
    return log.upQueries.map((query) => query.query);
  }

  /** The tables of the test database (not the server's other databases or SQLite's own). */
  async function tableNames(dataSource: DataSource): Promise<string[]> {
    const query =
      database.kind === 'sqlite'
        ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        : database.kind === 'postgres'
          ? 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()'
          : 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()';
    const rows: { name: string }[] = await dataSource.query(query);
    return rows.map((row) => row.name).sort();
  }

  it('with the built-in User: the schema is exactly what synchronize makes', async () => {
    const dataSource = await bootWithMigrations(portcullisMigrations());
    expect(await pendingSchemaChanges(dataSource)).toEqual([]);
    expect(await tableNames(dataSource)).toEqual([...LIBRARY_TABLES, 'migrations', 'users'].sort());
    const executed = await dataSource.query(
      `SELECT ${dataSource.driver.escape('name')} AS name FROM ${dataSource.driver.escape('migrations')}`,
    );
    expect(executed.map((row: { name: string }) => row.name).sort()).toEqual([
      'PortcullisAccountFlows1764000000002',
      'PortcullisInit1764000000000',
      'PortcullisUserTable1764000000001',
    ]);
  });

  it('with an app user entity: the library tables match, and only the app table is left to the app', async () => {
    // A DataSource of its own rather than AuthModule: autoLoadEntities collects every entity any
    // module of the process registered, so Account would reach the other tests' connections.
    const dataSource = await new DataSource({
      ...connectionOptions(),
      entities: [...LIBRARY_ENTITIES, Account],
      migrations: portcullisMigrations({ includeUserTable: false }),
    }).initialize();
    try {
      await dataSource.runMigrations();
      expect(await tableNames(dataSource)).toEqual([...LIBRARY_TABLES, 'migrations'].sort());
      const pending = await pendingSchemaChanges(dataSource);
      expect(pending.length).toBeGreaterThan(0);
      for (const statement of pending) expect(statement).toMatch(/["`]accounts["`]/);
    } finally {
      await dataSource.destroy();
    }
  });

  it('runs once, reverts to an empty database, and runs again', async () => {
    const dataSource = await bootWithMigrations(portcullisMigrations());
    expect(await dataSource.runMigrations()).toEqual([]);
    for (let i = 0; i < 3; i++) await dataSource.undoLastMigration();
    expect(await tableNames(dataSource)).toEqual(['migrations']);
    expect(await dataSource.runMigrations()).toHaveLength(3);
    expect(await pendingSchemaChanges(dataSource)).toEqual([]);
  });

  it('refuses a users table that is not the built-in one, and changes nothing', async () => {
    // Two connections in turn: an SQLite file rather than an in-memory database.
    const durable = await createDurableTestDatabase();
    const setup = await new DataSource(connectionOptions(durable.url)).initialize();
    const users = setup.driver.escape('users');
    const name = setup.driver.escape('name');
    await setup.query(`CREATE TABLE ${users} (${name} varchar(50) NOT NULL)`);
    await setup.query(`INSERT INTO ${users} (${name}) VALUES ('kept')`);
    await setup.destroy();
    const dataSource = await new DataSource({
      ...connectionOptions(durable.url),
      migrations: portcullisMigrations(),
    }).initialize();
    try {
      const failure = await dataSource.runMigrations().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(PortcullisMigrationError);
      expect((failure as Error).message).toMatch(/users already exists but lacks the column/);
      expect((failure as Error).message).toMatch(/includeUserTable: false/);
      expect(await dataSource.query(`SELECT ${name} FROM ${users}`)).toEqual([{ name: 'kept' }]);
      // Nothing was recorded as done; on databases with transactional DDL nothing was created either.
      expect(await dataSource.showMigrations()).toBe(true);
    } finally {
      await dataSource.destroy();
      await durable.drop();
    }
  });

  it('names the drivers it has SQL for when the connection is another', async () => {
    const queryRunner = {
      connection: { driver: { options: { type: 'oracle' } } },
    } as unknown as QueryRunner;
    await expect(new PortcullisInit1764000000000().up(queryRunner)).rejects.toThrow(
      /better-sqlite3, postgres, mysql and mariadb connections, not oracle/,
    );
  });
});
