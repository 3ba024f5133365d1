import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import {
  AuthServiceUnavailableException,
  InternalErrorException,
  UsernameTakenException,
} from './auth.exception.js';
import { describeSafely, redactedStoreError } from './redacted-error.js';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';

describe('describeSafely', () => {
  it('names a QueryFailedError by class and driver code, without query, parameters or message', () => {
    const error = new QueryFailedError(
      'INSERT INTO "users"("passwordHash") VALUES ($1)',
      [HASH],
      Object.assign(new Error(`value too long: ${HASH}`), { code: '22001' }),
    );
    expect(describeSafely(error)).toBe('QueryFailedError (22001)');
  });

  it('lists a driver errno beside its code once', () => {
    const driver = Object.assign(new Error('Data too long'), {
      code: 'ER_DATA_TOO_LONG',
      errno: 1406,
    });
    expect(describeSafely(new QueryFailedError('UPDATE x', [HASH], driver))).toBe(
      'QueryFailedError (ER_DATA_TOO_LONG, 1406)',
    );
  });

  it('names an error without a code by its class only', () => {
    expect(describeSafely(new TypeError(`cannot read ${HASH}`))).toBe('TypeError');
    expect(describeSafely('a thrown string')).toBe('string');
  });
});

describe('redactedStoreError', () => {
  it('passes answers through and turns outages into 503s', () => {
    const taken = new UsernameTakenException();
    expect(redactedStoreError(taken, 'x')).toBe(taken);
    const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(redactedStoreError(outage, 'x')).toBeInstanceOf(AuthServiceUnavailableException);
  });

  it('turns anything else into a 500 internal_error whose body says nothing of the cause', () => {
    const answered = redactedStoreError(
      new QueryFailedError('INSERT', [HASH], new Error(HASH)),
      'x',
    );
    expect(answered).toBeInstanceOf(InternalErrorException);
    expect(JSON.stringify((answered as InternalErrorException).getResponse())).not.toContain(
      '$argon2',
    );
  });
});
