import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from './vitest.shared.js';

// `npm run test:services`: the e2e suite again on PostgreSQL and on MariaDB (each test file in its own
// database), plus the interoperability checks. Expects the servers and Debian packages README lists.
export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      projects: [
        ...['postgres', 'mariadb'].map((database) => ({
          extends: true as const,
          test: {
            name: database,
            include: ['test/**/*.e2e-spec.ts'],
            env: { TEST_DB: database },
          },
        })),
        {
          // Checks against independent implementations (PyJWT, argon2-cffi) from Debian's packages.
          extends: true as const,
          test: {
            name: 'interop',
            include: ['test/**/*.interop-spec.ts'],
            env: { TEST_DB: 'sqlite' },
          },
        },
        {
          // Debian's chromium, driven by playwright-core, through the example app's pages.
          extends: true as const,
          test: {
            name: 'browser',
            include: ['test/**/*.browser-spec.ts'],
            env: { TEST_DB: 'sqlite' },
          },
        },
      ],
    },
  }),
);
