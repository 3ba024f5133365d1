import type { ValidationProblem } from '../errors/auth.exception.js';

/** The in-memory cache of users that keeps the access-token path free of database reads. */
export interface UserCacheOptions {
  /** Most users held. @default 10000 */
  max?: number;
  /**
   * Seconds a cached user is trusted. Changes made through Portcullis or TypeORM in this process
   * invalidate at once; this bounds how stale a change made elsewhere (another process, raw SQL) can be.
   * @default 30
   */
  ttl?: number;
}

/** A value `POST register` accepts for a column listed in `registration.fields`: a JSON scalar. */
export type RegistrationFieldValue = string | number | boolean | null;

/** What a `registration.validate` hook is told besides the fields. */
export interface RegistrationContext {
  /** The login handle as sent (before normalisation). */
  handle: string;
  /** The contact address when the body carried one (or the handle when it is the email). */
  email: string | undefined;
}

/**
 * An application's own check of a registration, run after the body passed the built-in checks and
 * before the password rules. Each problem it returns is listed in a 400 `validation_failed`; an empty
 * list (or nothing) accepts.
 */
export type RegistrationValidator = (
  fields: Readonly<Record<string, RegistrationFieldValue>>,
  context: RegistrationContext,
) => ValidationProblem[] | void | Promise<ValidationProblem[] | void>;

/**
 * The application's own columns `POST <prefix>/register` may set.
 *
 * @example
 * ```ts
 * registration: {
 *   fields: ['displayName', 'tenantId'],
 *   validate: ({ tenantId }) =>
 *     tenantId === 'acme' ? [] : [{ field: 'tenantId', message: 'tenantId must name a tenant.' }],
 * }
 * ```
 */
export interface RegistrationOptions {
  /**
   * Columns of the user entity (property names) a registration body may set. Each value must be a
   * JSON scalar of the column's kind (a string no longer than the column, a number, a boolean, `null`
   * for a nullable column), else a 400 `validation_failed` names the field; absent fields keep their
   * column default. The columns Portcullis owns (the primary key, `passwordHash`, `isActive`,
   * `isStaff`, `isSuperuser`, `lastLogin`, `dateJoined`, generated, date and version columns) and the
   * handle and `email`, which registration already takes, are refused at boot. Other body fields
   * stay ignored.
   * @default []
   */
  fields?: string[];
  /** An extra check of the listed fields; its problems answer 400 `validation_failed`. */
  validate?: RegistrationValidator;
}
