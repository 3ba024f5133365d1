import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';

/**
 * TypeORM connection options from a DATABASE_URL: `sqlite:<file>` (embedded, the default),
 * `sqlite::memory:`, `postgres://...` or `mysql://...` (MySQL and MariaDB).
 */
export function databaseOptionsFromUrl(url: string): DataSourceOptions {
  if (url.startsWith('sqlite:')) {
    const database = url.slice('sqlite:'.length);
    if (database.length === 0)
      throw new Error('DATABASE_URL sqlite: needs a file path, e.g. sqlite:data/portcullis.sqlite');
    if (database !== ':memory:') mkdirSync(dirname(database), { recursive: true });
    return { type: 'better-sqlite3', database };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { type: 'postgres', url };
  if (/^(mysql|mariadb):\/\//.test(url)) {
    return {
      type: 'mysql',
      url: url.replace(/^mariadb:/, 'mysql:'),
      charset: 'utf8mb4_unicode_ci',
    };
  }
  throw new Error(
    `DATABASE_URL must start with sqlite:, postgres:// or mysql://; got ${url.split(':')[0]}:...`,
  );
}
