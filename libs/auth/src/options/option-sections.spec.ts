import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The library's source folder, libs/auth/src. */
const SOURCE = fileURLToPath(new URL('..', import.meta.url));

/**
 * Files outside options/ that may name the whole resolved options, by exact path: the module builds
 * the one AUTH_RESOLVED_OPTIONS provider (its factories take the whole object, as Nest injects it),
 * and auth.resolved-options.ts re-exports the type for those imports.
 */
const ALLOWED = new Set(['auth.module.ts', 'auth.resolved-options.ts']);

/** Every non-spec TypeScript file under `directory`, as a path relative to SOURCE with `/`. */
function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    if (!entry.name.endsWith('.ts') || entry.name.endsWith('.spec.ts')) return [];
    return [relative(SOURCE, path).split(sep).join('/')];
  });
}

describe('option sections', () => {
  it('every injectable takes the sections of the options it reads, never the whole object', () => {
    const files = sourceFiles(SOURCE);
    expect(files).toContain('auth.module.ts');
    const offending = files
      .filter((file) => !file.startsWith('options/') && !ALLOWED.has(file))
      .filter((file) => /\bResolvedAuthOptions\b/.test(readFileSync(join(SOURCE, file), 'utf8')));
    expect(offending, 'type these by the sections they read (options/*.resolver.ts)').toEqual([]);
  });
});
