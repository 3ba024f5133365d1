import { Logger } from '@nestjs/common';
import { AuthServiceUnavailableException } from './auth.exception.js';

// Error codes (Node's `code`, PostgreSQL's SQLSTATE, mysql2's `code`) that mean "the server could not
// be reached or stopped answering", never "the request was wrong".
const OUTAGE_CODES = new Set<string>([
  // Node sockets and DNS.
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  // PostgreSQL: too many connections, query cancelled (statement_timeout), server shutting down or
  // starting up. Class 08 (connection exceptions) is matched by its prefix below.
  '53300',
  '57014',
  '57P01',
  '57P02',
  '57P03',
  // mysql2 / MySQL / MariaDB.
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_TIMEOUT',
  'ER_STATEMENT_TIMEOUT',
  'ER_LOCK_WAIT_TIMEOUT',
]);

// MySQL/MariaDB error numbers for the same: too many connections (1040), shutdown in progress (1053),
// lock wait timeout (1205), statement timeouts (1969 MariaDB, 3024 MySQL), and the client-side
// "can't connect" / "server has gone away" / "lost connection" (2002, 2003, 2006, 2013).
const OUTAGE_ERRNOS = new Set<number>([1040, 1053, 1205, 1969, 3024, 2002, 2003, 2006, 2013]);

// Messages of drivers that throw plain errors without a code: node-postgres and pg-pool
// ('Connection terminated unexpectedly', 'timeout exceeded when trying to connect', 'Query read
// timeout', 'Client has encountered a connection error and is not queryable'), mysql2 ("Can't add new
// command when connection is in closed state", 'Pool is closed.') and ioredis ('Connection is
// closed.', 'Command timed out', "Stream isn't writeable and enableOfflineQueue options is false",
// 'Reached the max retries per request limit').
const OUTAGE_MESSAGES: readonly RegExp[] = [
  /^Connection terminated\b/i,
  /\btimeout (exceeded|expired) when trying to connect\b/i,
  /^timeout expired$/i,
  /^Query read timeout$/i,
  /\bnot queryable\b/i,
  /^Cannot use a pool after calling end on the pool$/i,
  /^Can't add new command when connection is in closed state$/i,
  /^Pool is closed\.?$/i,
  /^Connection is closed\.?$/i,
  /^Command timed out\.?$/i,
  /\benableOfflineQueue options is false\b/i,
  /\bmax retries per request\b/i,
  /^None of the sentinels are available\b/i,
  /^All sentinels are unreachable\b/i,
];

// ioredis error classes, recognised by name so Portcullis does not need ioredis installed.
const OUTAGE_ERROR_NAMES = new Set<string>(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);

interface ErrorFields {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  errno?: unknown;
  fatal?: unknown;
  driverError?: unknown;
  cause?: unknown;
  errors?: unknown;
  originalError?: unknown;
}

/**
 * True when `error` says the database or Redis could not be reached, dropped the connection or did not
 * answer in time, rather than that the request was wrong: a refused, reset or timed-out connection,
 * node-postgres' and pg-pool's connection and query timeouts, mysql2's lost connections and query
 * timeouts, ioredis' closed connection, command timeout and `MaxRetriesPerRequestError`, the server
 * shutting down or refusing more connections, and TypeORM's `QueryFailedError` wrapping any of them.
 * Causes (`driverError`, `cause`, an `AggregateError`'s `errors`) are followed.
 *
 * Portcullis answers such errors with 503 `service_unavailable` (see {@link ServiceUnavailableFilter});
 * everything else, a constraint violation or a bug, is left alone.
 *
 * @example
 * ```ts
 * try {
 *   await repository.save(note);
 * } catch (error) {
 *   if (isServiceUnavailableError(error)) throw new AuthServiceUnavailableException('Try again shortly.');
 *   throw error;
 * }
 * ```
 */
export function isServiceUnavailableError(error: unknown): boolean {
  return matches(error, 0);
}

function matches(error: unknown, depth: number): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const fields = error as ErrorFields;
  if (typeof fields.code === 'string') {
    if (OUTAGE_CODES.has(fields.code) || /^08[0-9A-Z]{3}$/.test(fields.code)) return true;
  }
  if (typeof fields.errno === 'number' && OUTAGE_ERRNOS.has(fields.errno)) return true;
  // mysql2 marks errors that broke the connection itself as fatal.
  if (fields.fatal === true) return true;
  if (typeof fields.name === 'string' && OUTAGE_ERROR_NAMES.has(fields.name)) return true;
  const message = fields.message;
  if (typeof message === 'string' && OUTAGE_MESSAGES.some((pattern) => pattern.test(message))) {
    return true;
  }
  const causes = [fields.driverError, fields.cause, fields.originalError];
  if (Array.isArray(fields.errors)) causes.push(...(fields.errors as unknown[]));
  return causes.some((cause) => cause !== error && matches(cause, depth + 1));
}

const logger = new Logger('Portcullis');

/**
 * `error` itself, or the 503 to answer instead when it is an outage (logged once here, message only:
 * the cause stays out of the response body). Internal: the authenticator, guards, interceptor and
 * filter share it.
 */
export function asServiceUnavailable(error: unknown): unknown {
  if (error instanceof AuthServiceUnavailableException || !isServiceUnavailableError(error)) {
    return error;
  }
  logger.warn(`A backing service is unreachable, answering 503: ${describe(error)}`);
  return new AuthServiceUnavailableException();
}

function describe(error: unknown): string {
  const fields = error as ErrorFields;
  const cause = fields.driverError ?? fields.cause;
  const own = typeof fields.message === 'string' && fields.message ? fields.message : String(error);
  if (typeof cause === 'object' && cause !== null && cause !== error) {
    const inner = (cause as ErrorFields).message;
    if (typeof inner === 'string' && inner && !own.includes(inner)) return `${own} (${inner})`;
  }
  return own;
}
