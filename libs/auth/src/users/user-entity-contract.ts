import type { EntityMetadata } from 'typeorm';
import type { AccountFlowSwitches } from '../options/structural-options.resolver.js';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import { AuthConfigurationError } from '../errors/auth.exception.js';

/**
 * The user columns Portcullis itself writes: what decides who may log in and with what rights, and
 * its own records. A registration never sets them, whatever the options list.
 */
export const LIBRARY_USER_COLUMNS: ReadonlySet<string> = new Set([
  'id',
  'passwordHash',
  'isActive',
  'isStaff',
  'isSuperuser',
  'lastLogin',
  'dateJoined',
]);

/** How `POST register` checks the value of one `registration.fields` column. Internal. */
export interface RegistrationFieldRule {
  name: string;
  kind: 'string' | 'integer' | 'number' | 'boolean';
  nullable: boolean;
  /** Longest string the column holds, when it says. */
  maxLength: number | undefined;
  /** The values of an enum column. */
  values: readonly unknown[] | undefined;
  /** The insert fails without it: not nullable, no default, nothing that fills it on insert. */
  required: boolean;
}

const STRING_TYPES = new Set<unknown>([
  String,
  'varchar',
  'nvarchar',
  'character varying',
  'varying character',
  'char',
  'nchar',
  'character',
  'native character',
  'text',
  'tinytext',
  'mediumtext',
  'longtext',
  'ntext',
  'citext',
  'uuid',
  'enum',
  'simple-enum',
]);
const INTEGER_TYPES = new Set<unknown>([
  'int',
  'integer',
  'smallint',
  'tinyint',
  'mediumint',
  'bigint',
  'int2',
  'int4',
  'int8',
  'unsigned big int',
]);
const NUMBER_TYPES = new Set<unknown>([
  Number,
  'float',
  'float4',
  'float8',
  'double',
  'double precision',
  'real',
  'decimal',
  'numeric',
  'dec',
]);
const BOOLEAN_TYPES = new Set<unknown>([Boolean, 'boolean', 'bool']);

function kindOf(column: ColumnMetadata): RegistrationFieldRule['kind'] | undefined {
  if (STRING_TYPES.has(column.type)) return 'string';
  if (INTEGER_TYPES.has(column.type)) return 'integer';
  if (NUMBER_TYPES.has(column.type)) return 'number';
  if (BOOLEAN_TYPES.has(column.type)) return 'boolean';
  return undefined;
}

function typeName(column: ColumnMetadata): string {
  return typeof column.type === 'function' ? column.type.name : String(column.type);
}

/** What the user contract needs from the configured options. */
export interface UserContractOptions {
  usernameField: string;
  externalIssuers: ReadonlyArray<{ issuer: string; userField: string }>;
  registration: { fields: readonly string[] };
  /** Where the routes are mounted (null: no `register` route to check for). */
  routesPrefix: string | null;
  /** The mail flows that are on: each needs an email column. */
  accountFlows?: { readonly [flow: string]: boolean } | AccountFlowSwitches;
}

/** True when an insert fails without a value for the column. */
function needsValue(column: ColumnMetadata): boolean {
  return !(
    column.isNullable ||
    column.default !== undefined ||
    column.isGenerated ||
    column.isCreateDate ||
    column.isUpdateDate ||
    column.isDeleteDate ||
    column.isVersion ||
    column.isVirtual
  );
}

/** True when the entity's own hooks or a subscriber may fill columns before an insert. */
function hasInsertHooks(metadata: EntityMetadata): boolean {
  if (metadata.beforeInsertListeners.length > 0) return true;
  return metadata.connection.subscribers.some(
    (subscriber) =>
      typeof subscriber.beforeInsert === 'function' &&
      (typeof subscriber.listenTo !== 'function' || listensTo(subscriber.listenTo(), metadata)),
  );
}

/** TypeORM's own test: the entity's class, one it extends, or its name. */
function listensTo(target: unknown, metadata: EntityMetadata): boolean {
  if (target === metadata.target || target === metadata.name) return true;
  return (
    typeof target === 'function' &&
    typeof metadata.target === 'function' &&
    metadata.target.prototype instanceof target
  );
}

/**
 * Checks the user entity against the options naming its columns (the handle, external issuers'
 * `userField`, `registration.fields`) and the columns Portcullis writes, so that a misspelt name
 * stops the boot instead of answering 500 on the first registration. Returns how each
 * `registration.fields` column is checked. Internal.
 *
 * @throws AuthConfigurationError naming the entity and its columns.
 */
export function checkUserEntity(
  metadata: EntityMetadata,
  options: UserContractOptions,
): RegistrationFieldRule[] {
  const entity = metadata.targetName || metadata.name;
  const columns = metadata.columns.filter((column) => !column.embeddedMetadata);
  const byName = new Map(columns.map((column) => [column.propertyName, column]));
  const listed = columns.map((column) => column.propertyName).join(', ');
  const problems: string[] = [];
  const missing = (option: string, name: string) =>
    problems.push(
      `${option} names ${name}, but userEntity ${entity} has no such column; its columns are ${listed}.`,
    );
  if (!byName.has(options.usernameField)) missing('usernameField', options.usernameField);
  const hash = byName.get('passwordHash');
  if (!hash) {
    problems.push(
      `userEntity ${entity} has no passwordHash column (the argon2id hash, a nullable string of 255 characters); extend AbstractUser or declare it. Its columns are ${listed}.`,
    );
  } else if (hash.length && Number(hash.length) < 128) {
    problems.push(
      `userEntity ${entity}: passwordHash holds ${hash.length} characters; an argon2id hash needs up to 128 (AbstractUser uses 255).`,
    );
  }
  const mailFlows = Object.entries(options.accountFlows ?? {})
    .filter(([, on]) => on)
    .map(([name]) => name);
  if (mailFlows.length && options.usernameField !== 'email') {
    const email = byName.get('email');
    if (!email) {
      problems.push(
        `${mailFlows.join(', ')} mail the user, but userEntity ${entity} has no email column (and usernameField is not 'email'); add an email column (a string of up to 254 characters) or turn them off. Its columns are ${listed}.`,
      );
    } else if (kindOf(email) !== 'string') {
      problems.push(
        `userEntity ${entity}: email must be a string column for ${mailFlows.join(', ')}.`,
      );
    }
  }
  for (const issuer of options.externalIssuers) {
    if (!byName.has(issuer.userField)) {
      missing(`externalIssuers (${issuer.issuer}) userField`, issuer.userField);
    }
  }
  const fillsOnInsert = hasInsertHooks(metadata);
  if (options.routesPrefix !== null && !fillsOnInsert) {
    // Registration writes the handle, the hash, an optional email and the listed fields; any other
    // column the insert needs would make every registration fail with a database error.
    const written = new Set([options.usernameField, 'passwordHash', 'email']);
    for (const name of options.registration.fields) written.add(name);
    for (const column of columns) {
      if (written.has(column.propertyName) || !needsValue(column)) continue;
      problems.push(
        `POST /${options.routesPrefix}/register cannot fill ${entity}.${column.propertyName}: it is not nullable and has no default. List it in registration.fields, give it a default, make it nullable, or fill it in a @BeforeInsert() hook.`,
      );
    }
  }
  const rules: RegistrationFieldRule[] = [];
  for (const name of options.registration.fields) {
    const column = byName.get(name);
    if (!column) {
      missing('registration.fields', name);
      continue;
    }
    const kind = kindOf(column);
    if (
      column.isPrimary ||
      column.isGenerated ||
      column.isCreateDate ||
      column.isUpdateDate ||
      column.isDeleteDate ||
      column.isVersion
    ) {
      problems.push(
        `registration.fields: ${name} is a key, generated, date or version column of ${entity}, which the database fills; a registration cannot set it.`,
      );
    } else if (!kind) {
      problems.push(
        `registration.fields: ${name} is a ${typeName(column)} column of ${entity}; a registration sets only string, number and boolean columns from JSON.`,
      );
    } else {
      rules.push({
        name,
        kind,
        nullable: column.isNullable,
        maxLength: column.length ? Number(column.length) : undefined,
        values: column.enum?.length ? column.enum : undefined,
        required: needsValue(column) && !fillsOnInsert,
      });
    }
  }
  if (problems.length) throw new AuthConfigurationError(problems);
  return rules;
}
