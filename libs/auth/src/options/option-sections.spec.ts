import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SOURCE = join(fileURLToPath(new URL('.', import.meta.url)), '..');

/** Files that may name the whole resolved options: where they are built and provided. */
const ALLOWED = new Set(['auth.module.ts', 'auth.resolved-options.ts']);

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('option sections', () => {
  it('every service takes the sections of the options it reads, never the whole object', () => {
    const offending = sourceFiles(SOURCE)
      .map((path) => relative(SOURCE, path))
      .filter((file) => !file.startsWith('options/') && !ALLOWED.has(file))
      .filter((file) => /\bResolvedAuthOptions\b/.test(readFileSync(join(SOURCE, file), 'utf8')));
    expect(offending).toEqual([]);
  });
});
