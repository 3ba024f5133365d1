import { HttpException, Logger } from '@nestjs/common';
import { InternalErrorException } from './auth.exception.js';
import { asServiceUnavailable } from './is-service-unavailable-error.js';

const logger = new Logger('Portcullis');

interface ErrorFields {
  code?: unknown;
  errno?: unknown;
  driverError?: unknown;
  stack?: unknown;
}

/**
 * An error named by its class and driver code only (`QueryFailedError (SQLITE_CONSTRAINT_CHECK)`).
 * Messages are left out: drivers quote the offending value in theirs, and TypeORM's carry the query
 * and its parameters, which can be a password hash. Internal.
 */
export function describeSafely(error: unknown): string {
  if (typeof error !== 'object' || error === null) return typeof error;
  const fields = error as ErrorFields;
  const driver = (fields.driverError ?? {}) as ErrorFields;
  const codes = [fields.code, driver.code, fields.errno ?? driver.errno].filter(
    (code, index, all) =>
      (typeof code === 'string' || typeof code === 'number') && all.indexOf(code) === index,
  );
  const name = error.constructor?.name || 'Error';
  return codes.length ? `${name} (${codes.join(', ')})` : name;
}

/** The `at ...` lines of a stack, without the message line above them. */
function frames(error: unknown): string | undefined {
  const stack = (error as ErrorFields | null)?.stack;
  if (typeof stack !== 'string') return undefined;
  const lines = stack.split('\n').filter((line) => /^\s+at /.test(line));
  return lines.length ? lines.join('\n') : undefined;
}

/**
 * What to throw instead of an error that is neither an answer (`HttpException`) nor an outage (a
 * 503): an {@link InternalErrorException}, after one log line saying `what` failed, with the error's
 * class, driver code and stack frames, and nothing it carried. Internal.
 */
export function redactedStoreError(error: unknown, what: string): unknown {
  if (error instanceof HttpException) return error;
  const outage = asServiceUnavailable(error);
  if (outage !== error) return outage;
  logger.error(`${what} failed: ${describeSafely(error)}`, frames(error));
  return new InternalErrorException();
}
