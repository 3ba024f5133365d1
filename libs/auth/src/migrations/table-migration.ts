import type { QueryRunner } from 'typeorm';
import { PortcullisMigrationError } from './portcullis-migration.error.js';

/** The SQL dialects Portcullis ships migrations for. */
export type SqlDialect = 'sqlite' | 'postgres' | 'mysql';

// Only the drivers the migrations are tested on (test/migrations.e2e-spec.ts); the other TypeORM
// drivers get an error that says how to proceed rather than SQL nobody has run.
const DIALECT_OF_DRIVER: Readonly<Record<string, SqlDialect>> = {
  'better-sqlite3': 'sqlite',
  postgres: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
};

/**
 * One table a migration creates: its statements in each dialect (as TypeORM's schema builder writes them
 * for the entity, so `synchronize` and the migration agree), and the columns an existing table must have
 * for the migration to take it over.
 */
export interface TableDefinition {
  name: string;
  columns: readonly string[];
  create: Readonly<Record<SqlDialect, readonly string[]>>;
}

/** The dialect of the connection a migration runs on. */
export function sqlDialectOf(queryRunner: QueryRunner, migrationName: string): SqlDialect {
  const type = queryRunner.connection.driver.options.type;
  const dialect = DIALECT_OF_DRIVER[type];
  if (!dialect) {
    throw new PortcullisMigrationError(
      `${migrationName} has SQL for better-sqlite3, postgres, mysql and mariadb connections, not ${type}. ` +
        'Leave portcullisMigrations() out and generate your own migration for the Portcullis entities ' +
        'with `typeorm migration:generate`.',
    );
  }
  return dialect;
}

/**
 * Creates each table that does not exist, and takes over each one that does.
 *
 * Until migrations shipped, every Portcullis database was made by `synchronize`, which creates
 * exactly what these statements create (the same entities through the same schema builder;
 * test/migrations.e2e-spec.ts proves it). Such a database has the tables and their rows but no
 * `migrations` history, so a plain CREATE TABLE would fail on the first run. Taking an existing table
 * over never ALTERs or DROPs anything, so no row can be lost; the column check makes sure the table
 * really is the one this migration describes (not, say, an application's own `users` table), because
 * recording the migration as done over a different table would hide a broken schema until the first
 * query fails. Only column names are compared: types, defaults and indexes of a table that has them
 * all came from these same entities, and comparing them would mean rewriting TypeORM's schema diff
 * per dialect.
 *
 * It works table by table rather than all or nothing because an earlier build may lack tables added
 * later, and because MySQL commits each DDL statement on its own: an interrupted run leaves some tables
 * made, and the next run completes the rest.
 */
export async function createOrAdoptTables(
  queryRunner: QueryRunner,
  migrationName: string,
  tables: readonly TableDefinition[],
  mismatchHint = '',
): Promise<void> {
  const dialect = sqlDialectOf(queryRunner, migrationName);
  const kept: string[] = [];
  for (const table of tables) {
    const existing = await queryRunner.getTable(table.name);
    if (!existing) {
      for (const statement of table.create[dialect]) await queryRunner.query(statement);
      continue;
    }
    const present = new Set(existing.columns.map((column) => column.name));
    const missing = table.columns.filter((column) => !present.has(column));
    if (missing.length) {
      throw new PortcullisMigrationError(
        `${migrationName}: table ${table.name} already exists but lacks the column(s) ` +
          `${missing.join(', ')}, so it is not the table this migration creates; it was left as it is.` +
          mismatchHint,
      );
    }
    kept.push(table.name);
  }
  if (kept.length) {
    queryRunner.connection.logger.logMigration(
      `${migrationName}: kept the existing table(s) ${kept.join(', ')} (made by synchronize) and their rows.`,
    );
  }
}

/** Drops the tables, last first. */
export async function dropTables(
  queryRunner: QueryRunner,
  tables: readonly TableDefinition[],
): Promise<void> {
  const driver = queryRunner.connection.driver;
  for (const table of [...tables].reverse()) {
    await queryRunner.query(`DROP TABLE ${driver.escape(table.name)}`);
  }
}
