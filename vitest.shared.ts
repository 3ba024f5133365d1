import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import type { ViteUserConfig } from 'vitest/config';

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
    alias: { portcullis: fileURLToPath(new URL('./libs/auth/src/index.ts', import.meta.url)) },
  },
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
};
