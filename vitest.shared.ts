import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import type { ViteUserConfig } from 'vitest/config';

function librarySource(path: string): string {
  return fileURLToPath(new URL(`./libs/auth/src/${path}`, import.meta.url));
}

/** Settings shared by the default and the service-backed test runs. */
export const sharedConfig: ViteUserConfig = {
  plugins: [
    swc.vite({
      module: { type: 'es6' },
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript', decorators: true },
        transform: {
          legacyDecorator: true,
          decoratorMetadata: true,
          useDefineForClassFields: false,
        },
      },
    }),
  ],
  resolve: {
    // Exact matches, so that 'portcullis' does not also rewrite the start of 'portcullis/cli'.
    alias: [
      { find: /^portcullis$/, replacement: librarySource('index.ts') },
      { find: /^portcullis\/cli$/, replacement: librarySource('cli/index.ts') },
      { find: /^portcullis\/migrations$/, replacement: librarySource('migrations/index.ts') },
      { find: /^portcullis\/augment$/, replacement: librarySource('augment.ts') },
    ],
  },
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
};
