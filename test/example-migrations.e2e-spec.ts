import type { INestApplication } from '@nestjs/common';
import { PermissionService } from 'portcullis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../src/app.module.js';
import { databaseOptionsFromUrl, schemaOptions } from '../src/database.js';
import { createTestApp, TEST_JWT_SECRET } from './support/test-app.js';
import {
  createDurableTestDatabase,
  createTestDatabase,
  testDatabaseKind,
  type TestDatabase,
} from './support/test-database.js';

const PASSWORD = 'correct horse battery';

/** Every table the example app had before migrations, each of which the test fills. */
const OLD_TABLES = [
  'auth_api_keys',
  'auth_group_permissions',
  'auth_groups',
  'auth_refresh_tokens',
  'auth_sessions',
  'auth_user_groups',
  'auth_user_permissions',
  'notes',
  'users',
];

/** The tables of the mail flows, which came after that release. */
const MAIL_FLOW_TABLES = ['auth_one_time_tokens', 'auth_verified_emails'];

const APP_TABLES = [...OLD_TABLES, ...MAIL_FLOW_TABLES].sort();

async function rowCounts(
  dataSource: DataSource,
  tables: readonly string[] = APP_TABLES,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { tableName } of dataSource.entityMetadatas) {
    if (!tables.includes(tableName)) continue;
    const [row] = await dataSource.query(
      `SELECT COUNT(*) AS n FROM ${dataSource.driver.escape(tableName)}`,
    );
    counts[tableName] = Number((row as { n: number | string }).n);
  }
  return counts;
}

async function hasMigrationsTable(dataSource: DataSource): Promise<boolean> {
  const runner = dataSource.createQueryRunner();
  try {
    return await runner.hasTable('migrations');
  } finally {
    await runner.release();
  }
}

/** A MariaDB server as TypeORM's `mariadb` type, which reads its column defaults right. */
function exampleUrl(database: TestDatabase): string {
  return database.kind === 'mariadb' ? database.url.replace(/^mysql:/, 'mariadb:') : database.url;
}

describe("the example app's schema settings", () => {
  it('runs migrations by default, in development as in production', () => {
    for (const NODE_ENV of ['development', 'production', undefined]) {
      expect(schemaOptions(false, { NODE_ENV })).toMatchObject({
        migrationsRun: true,
        synchronize: false,
      });
    }
  });

  it('synchronizes only when asked, and never in production', () => {
    expect(schemaOptions(true, { NODE_ENV: 'development' })).toMatchObject({
      migrationsRun: false,
      synchronize: true,
    });
    expect(() => schemaOptions(true, { NODE_ENV: 'production' })).toThrow(
      /DATABASE_SYNCHRONIZE=true is for development only/,
    );
  });

  it('connects to mariadb:// URLs as TypeORM mariadb, mysql:// as mysql', () => {
    expect(databaseOptionsFromUrl('mariadb://root@db/app')).toMatchObject({
      type: 'mariadb',
      url: 'mysql://root@db/app',
    });
    expect(databaseOptionsFromUrl('mysql://root@db/app')).toMatchObject({ type: 'mysql' });
  });
});

describe(`the example app's migrations on an empty ${testDatabaseKind()} database`, () => {
  it('make every table its entities need, exactly as synchronize would', async () => {
    const database = await createTestDatabase();
    const app = await createTestApp(
      [AppModule.forRoot({ databaseUrl: exampleUrl(database), jwtSecret: TEST_JWT_SECRET })],
      'express',
    );
    try {
      const dataSource = app.get(DataSource);
      expect(dataSource.options).toMatchObject({ migrationsRun: true, synchronize: false });
      expect((await dataSource.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
      expect(dataSource.entityMetadatas.map((entity) => entity.tableName).sort()).toEqual(
        APP_TABLES,
      );
      expect(await dataSource.showMigrations()).toBe(false);
    } finally {
      await app.close();
      await database.drop();
    }
  });
});

/**
 * Upgrading from the release before migrations: a database made by `synchronize` (tables, rows, no
 * `migrations` table) meets the example app in its default, migrations-only mode. Schema handling does
 * not depend on the HTTP adapter, so one (Express) is enough here.
 */
describe(`upgrading the example app's ${testDatabaseKind()} database from the schema synchronize made`, () => {
  let database: TestDatabase;
  let databaseUrl: string;
  let before: Record<string, number>;
  const old: {
    aliceId?: number;
    aliceRefreshToken?: string;
    bobAccessToken?: string;
    apiKey?: string;
  } = {};

  function bootExample(synchronize: boolean): Promise<INestApplication> {
    return createTestApp(
      [AppModule.forRoot({ databaseUrl, jwtSecret: TEST_JWT_SECRET, synchronize })],
      'express',
    );
  }

  beforeAll(async () => {
    database = await createDurableTestDatabase();
    databaseUrl = exampleUrl(database);

    // The previous release: tables from synchronize, filled through the app as its users would.
    const app = await bootExample(true);
    try {
      const http = () => request(app.getHttpServer());
      const alice = await http()
        .post('/auth/register')
        .send({ username: 'alice', password: PASSWORD })
        .expect(201);
      const bob = await http()
        .post('/auth/register')
        .send({ username: 'bob', password: PASSWORD })
        .expect(201);
      old.aliceId = alice.body.id;
      const aliceLogin = await http()
        .post('/auth/login')
        .send({ username: 'alice', password: PASSWORD })
        .expect(200);
      const refreshed = await http()
        .post('/auth/refresh')
        .send({ refresh_token: aliceLogin.body.refresh_token })
        .expect(200);
      old.aliceRefreshToken = refreshed.body.refresh_token;
      const aliceAuth = `Bearer ${refreshed.body.access_token}`;
      const bobLogin = await http()
        .post('/auth/login')
        .send({ username: 'bob', password: PASSWORD })
        .expect(200);
      old.bobAccessToken = bobLogin.body.access_token;
      const key = await http()
        .post('/auth/api-keys')
        .set('Authorization', aliceAuth)
        .send({ label: 'ci', scopes: ['notes.read'] })
        .expect(201);
      old.apiKey = key.body.key;
      for (const title of ['first', 'second']) {
        await http()
          .post('/notes')
          .set('Authorization', aliceAuth)
          .send({ title, body: `alice's ${title}` })
          .expect(201);
      }
      await http()
        .post('/notes')
        .set('Authorization', `Bearer ${bobLogin.body.access_token}`)
        .send({ title: 'bob', body: '' })
        .expect(201);
      const permissions = app.get(PermissionService);
      await permissions.grantToUser(String(alice.body.id), 'notes.delete');
      await permissions.ensureGroup('editors', ['notes.delete']);
      await permissions.addToGroup(String(bob.body.id), 'editors');

      const dataSource = app.get(DataSource);
      expect(await hasMigrationsTable(dataSource)).toBe(false);
      // That release had no mail flows: their tables are the migrations' to make.
      const runner = dataSource.createQueryRunner();
      try {
        for (const table of MAIL_FLOW_TABLES) await runner.dropTable(table);
      } finally {
        await runner.release();
      }
      before = await rowCounts(dataSource, OLD_TABLES);
    } finally {
      await app.close();
    }
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('starts from an old database with rows in every table', () => {
    expect(Object.keys(before).sort()).toEqual(OLD_TABLES);
    expect(before).toEqual({
      users: 2,
      auth_sessions: 2, // alice's and bob's logins
      auth_refresh_tokens: 3, // alice's first (consumed) and second, bob's
      auth_api_keys: 1,
      auth_groups: 2, // member (seeded at start) and editors
      auth_group_permissions: 3,
      auth_user_permissions: 1,
      auth_user_groups: 3, // both in member, bob in editors
      notes: 3,
    });
  });

  it('runs the migrations at start, keeps every row, and everything still works', async () => {
    const app = await bootExample(false);
    try {
      const dataSource = app.get(DataSource);
      const http = () => request(app.getHttpServer());
      // Every table, row for row: nothing lost, nothing added by the upgrade itself but the empty
      // tables of the mail flows.
      expect(await rowCounts(dataSource)).toEqual({
        ...before,
        auth_one_time_tokens: 0,
        auth_verified_emails: 0,
      });
      const executed: { name: string }[] = await dataSource.query(
        `SELECT ${dataSource.driver.escape('name')} AS name FROM ${dataSource.driver.escape('migrations')}`,
      );
      expect(executed.map((row) => row.name).sort()).toEqual([
        'CreateNotes1764000001000',
        'PortcullisAccountFlows1764000000002',
        'PortcullisInit1764000000000',
        'PortcullisUserTable1764000000001',
      ]);
      // The adopted tables are exactly what the migrations describe: nothing left to synchronize.
      expect((await dataSource.driver.createSchemaBuilder().log()).upQueries).toEqual([]);

      // An existing user's password, API key, refresh token and access token all still work.
      await http().post('/auth/login').send({ username: 'alice', password: PASSWORD }).expect(200);
      const notes = await http().get('/notes').set('X-API-Key', old.apiKey!).expect(200);
      expect(notes.body.map((note: { title: string }) => note.title)).toEqual(['first', 'second']);
      await http().post('/auth/refresh').send({ refresh_token: old.aliceRefreshToken }).expect(200);
      const bob = await http()
        .get('/auth/me')
        .set('Authorization', `Bearer ${old.bobAccessToken}`)
        .expect(200);
      expect(bob.body.username).toBe('bob');
      // Grants made before the upgrade still apply, and new rows continue the old keys.
      const carol = await http()
        .post('/auth/register')
        .send({ username: 'carol', password: PASSWORD })
        .expect(201);
      expect(carol.body.id).toBeGreaterThan(old.aliceId!);
      expect(await app.get(PermissionService).permissionsOfUserId(String(old.aliceId))).toContain(
        'notes.delete',
      );
    } finally {
      await app.close();
    }
  });

  it('starts again without running anything', async () => {
    const app = await bootExample(false);
    try {
      const dataSource = app.get(DataSource);
      expect(await dataSource.showMigrations()).toBe(false);
      const [row] = await dataSource.query(
        `SELECT COUNT(*) AS n FROM ${dataSource.driver.escape('migrations')}`,
      );
      expect(Number((row as { n: number | string }).n)).toBe(4);
    } finally {
      await app.close();
    }
  });
});
