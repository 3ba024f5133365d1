import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager, FindOptionsSelect, FindOptionsWhere, Repository } from 'typeorm';
import { Raw } from 'typeorm';
import { AUTH_USER_REPOSITORY } from '../auth.constants.js';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedJwtOptions } from '../options/jwt-options.resolver.js';
import type { ResolvedStructuralOptions } from '../options/structural-options.resolver.js';
import type { ResolvedUserOptions } from '../options/user-options.resolver.js';
import { UsernameTakenException, ValidationFailedException } from '../errors/auth.exception.js';
import { PasswordHasher } from '../passwords/password-hasher.js';
import type { AuthUser } from './auth-user.interface.js';
import { isUniqueViolation } from './is-unique-violation.js';
import { checkUserEntity, type RegistrationFieldRule } from './user-entity-contract.js';
import { redactedStoreError } from '../errors/redacted-error.js';

/** A user's primary key value. */
export type UserId = string | number;

/**
 * Fields for {@link UserService.createUser}: the login handle under the `usernameField` name, the
 * plaintext password (or `null` for an account without a usable password) and any other columns.
 */
export type CreateUserInput<TUser> = Partial<Omit<TUser, 'passwordHash'>> & {
  password: string | null;
};

const NUMERIC_COLUMN_TYPES = new Set<unknown>([
  Number,
  'int',
  'integer',
  'smallint',
  'bigint',
  'int2',
  'int4',
  'int8',
  'mediumint',
  'tinyint',
]);

/**
 * Creates, finds and re-passwords users of the configured entity. Handles are normalised with the
 * `normalizeHandle` option on every write and lookup.
 *
 * @example
 * ```ts
 * const user = await users.createUser({ username: 'alice', email: 'a@x.io', password: 'correct horse' });
 * ```
 */
@Injectable()
export class UserService<TUser extends object = AuthUser> {
  private readonly primaryKey: string;
  private readonly numericKey: boolean;
  private readonly selectWithoutHash: FindOptionsSelect<TUser>;

  /** How `POST register` checks each column of `registration.fields` (checked against the entity). */
  readonly registrationFields: readonly RegistrationFieldRule[];

  /** The user of each change set {@link UserService.updateColumns} is writing. */
  private readonly changeSets = new WeakMap<object, string>();

  constructor(
    @Inject(AUTH_USER_REPOSITORY) readonly repository: Repository<TUser>,
    @Inject(AUTH_RESOLVED_OPTIONS)
    private readonly options: ResolvedUserOptions &
      Pick<ResolvedJwtOptions, 'externalIssuers'> &
      Pick<ResolvedStructuralOptions, 'routesPrefix' | 'accountFlows'>,
    private readonly hasher: PasswordHasher,
  ) {
    const metadata = repository.metadata;
    // At construction, so a misspelt column name stops the boot instead of failing the first insert.
    this.registrationFields = checkUserEntity(metadata, options);
    const primary = metadata.primaryColumns[0];
    this.primaryKey = primary.propertyName;
    this.numericKey =
      primary.generationStrategy === 'increment' || NUMERIC_COLUMN_TYPES.has(primary.type);
    const select: Record<string, true> = {};
    for (const column of metadata.columns) {
      if (column.propertyName !== 'passwordHash' && !column.embeddedMetadata) {
        select[column.propertyName] = true;
      }
    }
    this.selectWithoutHash = select as FindOptionsSelect<TUser>;
  }

  /** The entity property holding the login handle. */
  get usernameField(): string {
    return this.options.usernameField;
  }

  /** True when the user entity maps a column for `property`. */
  hasColumn(property: string): boolean {
    return this.repository.metadata.columns.some((column) => column.propertyName === property);
  }

  /** The stored form of a login handle. */
  normalizeHandle(handle: string): string {
    return this.options.normalizeHandle(handle);
  }

  /** The user's primary key as a string, the form library tables and token subjects use. */
  idOf(user: TUser): string {
    return String((user as Record<string, unknown>)[this.primaryKey]);
  }

  /** The primary key of an entity object, or undefined when it has none (a partial update). */
  idFromEntity(entity: object): UserId | undefined {
    const id = (entity as Record<string, unknown>)[this.primaryKey];
    return typeof id === 'string' || typeof id === 'number' ? id : undefined;
  }

  /**
   * Turns a stringified id (a token subject) back into the key type of the entity, or `undefined` when
   * it cannot be one.
   */
  parseId(id: string): UserId | undefined {
    if (!this.numericKey) return id.length > 0 && id.length <= 255 ? id : undefined;
    if (!/^[0-9]{1,15}$/.test(id)) return undefined;
    return Number(id);
  }

  /** Finds a user by login handle (normalised first). The password hash is loaded only when asked for. */
  async findByHandle(
    handle: string,
    options: { withPasswordHash?: boolean } = {},
  ): Promise<TUser | null> {
    const where = { [this.usernameField]: this.normalizeHandle(handle) } as FindOptionsWhere<TUser>;
    if (options.withPasswordHash) return this.repository.findOne({ where });
    return this.repository.findOne({ where, select: this.selectWithoutHash });
  }

  /**
   * Finds a user by any column (without the password hash); the login handle column is matched in its
   * normalised form.
   */
  async findByField(field: string, value: string): Promise<TUser | null> {
    if (field === this.usernameField) return this.findByHandle(value);
    if (!this.hasColumn(field)) return null;
    const where = { [field]: value } as FindOptionsWhere<TUser>;
    return this.repository.findOne({ where, select: this.selectWithoutHash });
  }

  /**
   * The property holding a user's email address: the handle when `usernameField` is `email`, else
   * an `email` column; undefined when the entity has neither.
   */
  get emailField(): string | undefined {
    if (this.usernameField === 'email') return 'email';
    return this.hasColumn('email') ? 'email' : undefined;
  }

  /** The user's email address, or undefined when it has none. */
  emailOf(user: TUser): string | undefined {
    const field = this.emailField;
    const value = field === undefined ? undefined : (user as Record<string, unknown>)[field];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  }

  /**
   * Finds a user by email address, compared without case (and normalised like a handle when the
   * handle is the email). Without the password hash unless asked for.
   */
  async findByEmail(
    email: string,
    options: { withPasswordHash?: boolean } = {},
  ): Promise<TUser | null> {
    if (this.usernameField === 'email') return this.findByHandle(email, options);
    if (!this.hasColumn('email')) return null;
    const lower = email.trim().toLowerCase();
    const where = {
      email: Raw((column) => `LOWER(${column}) = :email`, { email: lower }),
    } as unknown as FindOptionsWhere<TUser>;
    if (options.withPasswordHash) return this.repository.findOne({ where });
    return this.repository.findOne({ where, select: this.selectWithoutHash });
  }

  /** Finds a user by primary key. The password hash is loaded only when asked for. */
  async findById(id: UserId, options: { withPasswordHash?: boolean } = {}): Promise<TUser | null> {
    const where = { [this.primaryKey]: id } as FindOptionsWhere<TUser>;
    if (options.withPasswordHash) return this.repository.findOne({ where });
    return this.repository.findOne({ where, select: this.selectWithoutHash });
  }

  /**
   * Creates a user: normalises the handle, hashes the password with argon2id and inserts the row.
   *
   * @throws UsernameTakenException when the handle is already registered (including a concurrent
   * registration of the same handle, caught by the unique index).
   * @throws ValidationFailedException when the handle is empty or the password is too long.
   * @param manager inserts through it when given, to make the insert part of a transaction.
   */
  async createUser(input: CreateUserInput<TUser>, manager?: EntityManager): Promise<TUser> {
    const { password, ...fields } = input;
    const rawHandle = (fields as Record<string, unknown>)[this.usernameField];
    if (typeof rawHandle !== 'string' || this.normalizeHandle(rawHandle).length === 0) {
      throw new ValidationFailedException([
        { field: this.usernameField, message: `${this.usernameField} must be a non-empty string.` },
      ]);
    }
    const passwordHash = password === null ? null : await this.hashChecked(password);
    const entity = this.repository.create({
      ...fields,
      [this.usernameField]: this.normalizeHandle(rawHandle),
      passwordHash,
    } as unknown as TUser);
    try {
      const repository = manager ? manager.withRepository(this.repository) : this.repository;
      await repository.insert(entity as never);
    } catch (error) {
      if (isUniqueViolation(error)) throw new UsernameTakenException();
      // The insert's parameters hold the new hash: they must not reach a log through the error.
      throw redactedStoreError(
        error,
        `Inserting a user into ${this.repository.metadata.tableName}`,
      );
    }
    return entity;
  }

  /**
   * Sets a new password (argon2id) and stores only its hash; through `manager` when given, to make it
   * part of a transaction.
   */
  async setPassword(user: TUser, password: string, manager?: EntityManager): Promise<void> {
    const passwordHash = await this.hashChecked(password);
    await this.updateColumns(user, { passwordHash } as unknown as Partial<TUser>, manager);
    (user as AuthUser).passwordHash = passwordHash;
  }

  /** Records a successful explicit login in `lastLogin`, when the entity has that column. */
  async recordLogin(user: TUser): Promise<void> {
    if (!this.hasColumn('lastLogin')) return;
    const lastLogin = new Date();
    await this.updateColumns(user, { lastLogin } as unknown as Partial<TUser>);
    (user as AuthUser).lastLogin = lastLogin;
  }

  /**
   * Updates some columns of one user row, found by its primary key; through `manager` when given, to
   * make it part of a transaction.
   */
  async updateColumns(
    user: TUser,
    changes: Partial<TUser>,
    manager?: EntityManager,
  ): Promise<void> {
    const key = (user as Record<string, unknown>)[this.primaryKey];
    const repository = manager ? manager.withRepository(this.repository) : this.repository;
    // A change set of this call only, so that it names one user however the caller reuses `changes`.
    const set = { ...changes };
    this.changeSets.set(set, String(key));
    try {
      await repository.update({ [this.primaryKey]: key } as FindOptionsWhere<TUser>, set as never);
    } catch (error) {
      // The parameters may hold a new hash: they must not reach a log through the error.
      throw redactedStoreError(error, `Updating a user of ${this.repository.metadata.tableName}`);
    }
  }

  /**
   * The stringified id of the user a change set of {@link UserService.updateColumns} is for. TypeORM
   * hands that same object to entity subscribers as the updated entity, without the row's id, so
   * the user cache can forget that one user instead of everyone.
   */
  userOfChangeSet(changes: object): string | undefined {
    return this.changeSets.get(changes);
  }

  /** A copy of the user that is safe to send to a client: no `passwordHash`. */
  toPublic(user: TUser): Record<string, unknown> {
    const { passwordHash: _omitted, ...rest } = { ...user } as Record<string, unknown>;
    void _omitted;
    return rest;
  }

  private async hashChecked(password: string): Promise<string> {
    this.hasher.assertAcceptable(password);
    return this.hasher.hash(password);
  }
}
