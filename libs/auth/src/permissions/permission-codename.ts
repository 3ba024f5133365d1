/** A permission codename: dot-separated lower-case words, like `notes.read` or `billing.invoices.export`. */
export const PERMISSION_CODENAME = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/;

/** True for a well-formed codename of at most 100 characters. */
export function isPermissionCodename(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 100 && PERMISSION_CODENAME.test(value);
}

/** A group name: letters, digits, `_`, `-` and `.`, 1 to 100 characters. */
export function isGroupName(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_.-]{1,100}$/.test(value);
}
