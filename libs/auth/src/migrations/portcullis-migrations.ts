import type { MigrationInterface } from 'typeorm';
import { PortcullisInit1764000000000 } from './portcullis-init.migration.js';
import { PortcullisUserTable1764000000001 } from './portcullis-user-table.migration.js';
import { PortcullisAccountFlows1764000000002 } from './portcullis-account-flows.migration.js';

/** A migration class, as TypeORM's `migrations` option takes it. */
export type MigrationClass = new () => MigrationInterface;

/** Which Portcullis migrations {@link portcullisMigrations} returns. */
export interface PortcullisMigrationsOptions {
  /**
   * Include the migration of the built-in `User` entity's `users` table. Set it to `false` when
   * `AuthModule` has a `userEntity` of your own: your app's migrations create that table.
   *
   * @default true
   */
  includeUserTable?: boolean;
}

/**
 * The migrations of Portcullis' own tables, in order, for the `migrations` option of your TypeORM
 * connection, next to your app's. Each one picks the SQL of the connected driver (better-sqlite3,
 * postgres, mysql or mariadb), so one list serves every database the app runs on. Tables that
 * `synchronize` made before are kept with their rows, so an existing database upgrades in place.
 *
 * @example
 * ```ts
 * TypeOrmModule.forRoot({
 *   type: 'postgres',
 *   url: process.env.DATABASE_URL,
 *   autoLoadEntities: true,
 *   migrations: [...portcullisMigrations(), CreateProjects1765000000000],
 *   migrationsRun: true, // or `typeorm migration:run -d dist/data-source.js` before starting
 * });
 *
 * // With your own user entity (AuthModule.forRoot({ userEntity: Account })), whose table your
 * // own migration creates:
 * migrations: [...portcullisMigrations({ includeUserTable: false }), CreateAccounts1765000000000];
 * ```
 */
export function portcullisMigrations(options: PortcullisMigrationsOptions = {}): MigrationClass[] {
  const { includeUserTable = true } = options;
  return includeUserTable
    ? [
        PortcullisInit1764000000000,
        PortcullisUserTable1764000000001,
        PortcullisAccountFlows1764000000002,
      ]
    : [PortcullisInit1764000000000, PortcullisAccountFlows1764000000002];
}
