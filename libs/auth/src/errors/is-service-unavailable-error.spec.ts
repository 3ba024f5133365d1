import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { AuthServiceUnavailableException, InvalidCredentialsException } from './auth.exception.js';
import { asServiceUnavailable, isServiceUnavailableError } from './is-service-unavailable-error.js';

function withFields(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

const wrapped = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);

describe('isServiceUnavailableError', () => {
  it.each([
    [
      'a refused connection',
      withFields('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' }),
    ],
    ['a reset inside TypeORM', wrapped(withFields('read ECONNRESET', { code: 'ECONNRESET' }))],
    [
      'node-postgres losing its connection',
      wrapped(new Error('Connection terminated unexpectedly')),
    ],
    [
      'node-postgres timing out a connect',
      new Error('Connection terminated due to connection timeout'),
    ],
    ['pg-pool timing out a checkout', new Error('timeout exceeded when trying to connect')],
    ['node-postgres timing out a query', wrapped(new Error('Query read timeout'))],
    ['PostgreSQL shutting down', wrapped(withFields('terminating connection', { code: '57P01' }))],
    ['a PostgreSQL connection exception', withFields('connection failure', { code: '08006' })],
    [
      'PostgreSQL cancelling a statement',
      wrapped(withFields('canceling statement', { code: '57014' })),
    ],
    [
      'mysql2 losing its connection',
      wrapped(withFields('Connection lost', { code: 'PROTOCOL_CONNECTION_LOST', fatal: true })),
    ],
    [
      'mysql2 timing out a query',
      wrapped(withFields('Query inactivity timeout', { code: 'PROTOCOL_SEQUENCE_TIMEOUT' })),
    ],
    ['mysql2 timing out a connect', withFields('connect ETIMEDOUT', { code: 'ETIMEDOUT' })],
    ['MariaDB refusing connections', withFields('Too many connections', { errno: 1040 })],
    ['ioredis with a closed connection', new Error('Connection is closed.')],
    ['ioredis timing out a command', new Error('Command timed out')],
    [
      'ioredis without an offline queue',
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    ],
    [
      'ioredis giving up',
      withFields('Reached the max retries per request limit (which is 1).', {
        name: 'MaxRetriesPerRequestError',
      }),
    ],
    [
      'an AggregateError of refused addresses',
      new AggregateError([withFields('x', { code: 'ECONNREFUSED' })], 'all failed'),
    ],
    ['a cause', new Error('outer', { cause: withFields('inner', { code: 'EPIPE' }) })],
  ])('recognises %s', (_name, error) => {
    expect(isServiceUnavailableError(error)).toBe(true);
  });

  it.each([
    ['a unique violation', wrapped(withFields('duplicate key', { code: '23505' }))],
    [
      'a MySQL duplicate entry',
      wrapped(withFields('Duplicate entry', { code: 'ER_DUP_ENTRY', errno: 1062 })),
    ],
    ['a syntax error', wrapped(withFields('syntax error', { code: '42601' }))],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['an authentication failure', new InvalidCredentialsException()],
    ['a string', 'ECONNREFUSED'],
    ['null', null],
  ])('leaves %s alone', (_name, error) => {
    expect(isServiceUnavailableError(error)).toBe(false);
  });

  it('survives an error that is its own cause', () => {
    const error = withFields('loop', {});
    (error as { cause?: unknown }).cause = error;
    expect(isServiceUnavailableError(error)).toBe(false);
  });
});

describe('asServiceUnavailable', () => {
  it('turns an outage into the 503 and leaves everything else as it is', () => {
    const answered = asServiceUnavailable(new Error('Connection terminated unexpectedly'));
    expect(answered).toBeInstanceOf(AuthServiceUnavailableException);
    expect((answered as AuthServiceUnavailableException).getStatus()).toBe(503);
    const bug = new TypeError('bug');
    expect(asServiceUnavailable(bug)).toBe(bug);
  });
});
