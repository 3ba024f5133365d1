const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Seconds in a duration like `30d`, `12h`, `45m`, `2w`; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = /^([1-9][0-9]{0,5})([smhdw])$/.exec(text.trim());
  return match ? Number(match[1]) * UNITS[match[2]] : undefined;
}
