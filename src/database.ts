import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { EXAMPLE_APP_MIGRATIONS } from './migrations/index.js';
import { DropTimedOutConnectionSubscriber } from './drop-timed-out-connection.subscriber.js';
import { TimeoutAwareLogger } from './timeout-aware.logger.js';

/** Where the example app keeps its data when DATABASE_URL is not set. */
export const DEFAULT_DATABASE_URL = 'sqlite:data/portcullis.sqlite';

/** How long a database connection attempt or query may take by default, in ms (DATABASE_TIMEOUT_MS). */
export const DEFAULT_DATABASE_TIMEOUT_MS = 5000;

/** DATABASE_TIMEOUT_MS, a whole number of milliseconds, or the default. */
export function databaseTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DATABASE_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_DATABASE_TIMEOUT_MS;
  const timeout = Number(raw);
  if (!Number.isInteger(timeout) || timeout <= 0) {
    throw new Error(`DATABASE_TIMEOUT_MS must be a positive whole number of ms; got ${raw}`);
  }
  return timeout;
}

/**
 * TypeORM connection options from a DATABASE_URL: `sqlite:<file>` (embedded, the default),
 * `sqlite::memory:`, `postgres://...`, `mysql://...` (MySQL) or `mariadb://...` (MariaDB).
 *
 * For a database server, `timeoutMs` bounds connecting and every query (pool checkout, connect,
 * query), so an unreachable or hung server makes a request fail (503) instead of wait: it also
 * bounds migrations run at start, so raise it for a long one.
 */
export function databaseOptionsFromUrl(
  url: string,
  timeoutMs: number = databaseTimeoutFromEnv(),
): DataSourceOptions {
  if (url.startsWith('sqlite:')) {
    const database = url.slice('sqlite:'.length);
    if (database.length === 0)
      throw new Error('DATABASE_URL sqlite: needs a file path, e.g. sqlite:data/portcullis.sqlite');
    if (database !== ':memory:') mkdirSync(dirname(database), { recursive: true });
    return { type: 'better-sqlite3', database };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    return {
      type: 'postgres',
      url,
      // pg-pool: waiting for a pooled connection and opening a new one.
      connectTimeoutMS: timeoutMs,
      extra: {
        // node-postgres gives up on a query after this (a hung server or network), and the server
        // cancels it after the same time (a lock wait); a session idle inside a transaction (its
        // client gone) is ended so its locks are freed.
        query_timeout: timeoutMs,
        statement_timeout: timeoutMs,
        idle_in_transaction_session_timeout: timeoutMs,
        keepAlive: true,
      },
    };
  }
  if (/^(mysql|mariadb):\/\//.test(url)) {
    return {
      // Against a MariaDB server TypeORM reads column defaults right only as 'mariadb': as 'mysql' it
      // sees a change in every nullable column (ALTERs at each synchronize, noise in generated migrations).
      type: url.startsWith('mariadb:') ? 'mariadb' : 'mysql',
      url: url.replace(/^mariadb:/, 'mysql:'),
      charset: 'utf8mb4_unicode_ci',
      connectTimeout: timeoutMs,
      // mysql2 gives up on a query after maxQueryExecutionTime when enableQueryTimeout is on; the
      // subscriber then closes that connection, the logger leaves parameters out of the warning.
      maxQueryExecutionTime: timeoutMs,
      enableQueryTimeout: true,
      subscribers: [DropTimedOutConnectionSubscriber],
      logger: new TimeoutAwareLogger(),
    };
  }
  throw new Error(
    `DATABASE_URL must start with sqlite:, postgres:// or mysql://; got ${url.split(':')[0]}:...`,
  );
}

/**
 * How the example app brings its tables up to date at start. By default, in every environment, it
 * runs its migrations (Portcullis' and its own): development then takes the path production takes,
 * and the e2e suite proves the migrations on every database it runs on. `synchronize` (TypeORM
 * altering tables to match the entities, which can drop columns and their data) is there for someone
 * editing entities before writing the migration: DATABASE_SYNCHRONIZE=true, refused in production.
 */
export function schemaOptions(
  synchronize: boolean,
  env: NodeJS.ProcessEnv = process.env,
): Pick<DataSourceOptions, 'migrations' | 'migrationsRun' | 'synchronize'> {
  if (synchronize && env.NODE_ENV === 'production') {
    throw new Error(
      'DATABASE_SYNCHRONIZE=true is for development only; in production the example app refuses to start with it and runs its migrations instead.',
    );
  }
  return { migrations: EXAMPLE_APP_MIGRATIONS, migrationsRun: !synchronize, synchronize };
}
