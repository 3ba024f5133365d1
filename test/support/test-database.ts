import type { DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { databaseOptionsFromUrl } from '../../src/database.js';

/** The database kind this run targets: TEST_DB=sqlite (default), postgres or mariadb. */
export type TestDatabaseKind = 'sqlite' | 'postgres' | 'mariadb';

/** A database created for one test file, and how to throw it away. */
export interface TestDatabase {
  kind: TestDatabaseKind;
  /** A DATABASE_URL the example app understands. */
  url: string;
  drop(): Promise<void>;
}

const POSTGRES_ADMIN_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const MARIADB_ADMIN_URL = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';

export function testDatabaseKind(): TestDatabaseKind {
  const kind = process.env.TEST_DB ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgres' && kind !== 'mariadb') {
    throw new Error(`TEST_DB must be sqlite, postgres or mariadb; got ${kind}`);
  }
  return kind;
}

function withDatabase(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates a fresh, empty database (or an in-memory SQLite one) so runs never see each other's rows. */
export async function createTestDatabase(
  kind: TestDatabaseKind = testDatabaseKind(),
): Promise<TestDatabase> {
  const name = `pcs_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  if (kind === 'sqlite') return { kind, url: 'sqlite::memory:', drop: async () => undefined };
  if (kind === 'postgres') {
    await withPostgres((client) => client.query(`CREATE DATABASE "${name}"`));
    return {
      kind,
      url: withDatabase(POSTGRES_ADMIN_URL, name),
      drop: () =>
        withPostgres((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
    };
  }
  await withMariadb((connection) =>
    connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`),
  );
  return {
    kind,
    url: withDatabase(MARIADB_ADMIN_URL, name),
    drop: () =>
      withMariadb((connection) => connection.query(`DROP DATABASE IF EXISTS \`${name}\``)),
  };
}

async function withPostgres(work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

async function withMariadb(
  work: (connection: mysql.Connection) => Promise<unknown>,
): Promise<void> {
  const connection = await mysql.createConnection(MARIADB_ADMIN_URL);
  try {
    await work(connection);
  } finally {
    await connection.end();
  }
}

/** The TypeORM connection of a test app: the given database, entities from the modules, tables made. */
export function testTypeOrmModule(databaseUrl: string): DynamicModule {
  return TypeOrmModule.forRoot({
    ...databaseOptionsFromUrl(databaseUrl),
    autoLoadEntities: true,
    synchronize: true,
  });
}

/**
 * A database that outlives one app, for tests that run several apps on the same rows: a temporary
 * SQLite file, or a fresh server database.
 */
export async function createDurableTestDatabase(): Promise<TestDatabase> {
  if (testDatabaseKind() !== 'sqlite') return createTestDatabase();
  const directory = mkdtempSync(join(tmpdir(), 'portcullis-'));
  return {
    kind: 'sqlite',
    url: `sqlite:${join(directory, 'shared.sqlite')}`,
    drop: async () => rmSync(directory, { recursive: true, force: true }),
  };
}
