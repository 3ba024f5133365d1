import type { DataSource, EntityManager } from 'typeorm';

// TypeORM drivers that run every query of the app on one shared connection (embedded SQLite).
const SINGLE_CONNECTION_DRIVERS = new Set<string>([
  'better-sqlite3',
  'sqljs',
  'capacitor',
  'cordova',
  'react-native',
  'expo',
  'nativescript',
]);

/**
 * True on embedded SQLite and its kin: one connection for the whole app, no row locks. Internal.
 */
export function runsOnOneConnection(dataSource: DataSource): boolean {
  return SINGLE_CONNECTION_DRIVERS.has(dataSource.options.type);
}

/**
 * Runs `work` in a transaction, so a connection lost half-way (a database outage) leaves none of its
 * writes behind. Internal.
 *
 * On embedded SQLite TypeORM has one connection for the whole app, and a second transaction begun
 * while one is open nests inside it as a savepoint, with other requests' queries in between; so there
 * `work` runs on the ordinary manager instead. Nothing can drop that connection half-way.
 */
export function inTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  if (runsOnOneConnection(dataSource)) return work(dataSource.manager);
  return dataSource.transaction(work);
}
