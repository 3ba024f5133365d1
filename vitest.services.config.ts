import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from './vitest.shared.js';

// `npm run test:services`: the e2e suite again on PostgreSQL and on MariaDB (each test file in its own
// database). Expects the servers described in README ("Running the service-backed tests").
export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      projects: ['postgres', 'mariadb'].map((database) => ({
        extends: true,
        test: {
          name: database,
          include: ['test/**/*.e2e-spec.ts'],
          env: { TEST_DB: database },
        },
      })),
    },
  }),
);
