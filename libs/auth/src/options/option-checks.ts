/**
 * `value` when it is an integer of at least `min`, else `fallback`; a value that is given but not such
 * an integer is pushed to `problems`, so the boot lists it with the others.
 */
export function positiveInteger(
  problems: string[],
  name: string,
  value: number | undefined,
  fallback: number,
  min = 1,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    problems.push(`${name} must be an integer >= ${min}; got ${String(value)}.`);
    return fallback;
  }
  return value;
}

/** `value` when it is a non-empty string, else `fallback`; a bad given value goes to `problems`. */
export function nonEmptyString(
  problems: string[],
  name: string,
  value: string | undefined,
  fallback: string,
): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0) {
    problems.push(`${name} must be a non-empty string.`);
    return fallback;
  }
  return value;
}
