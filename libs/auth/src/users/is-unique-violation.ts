import { QueryFailedError } from 'typeorm';

interface DriverError {
  code?: string;
  errno?: number;
}

/** True when a TypeORM error is a unique-constraint violation on SQLite, PostgreSQL or MySQL/MariaDB. */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = (error.driverError ?? {}) as DriverError;
  return (
    driverError.code === '23505' ||
    driverError.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    driverError.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    driverError.code === 'ER_DUP_ENTRY' ||
    driverError.errno === 1062
  );
}
