import type { INestApplication, LoggerService, ModuleMetadata } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';

/** The HTTP adapters every e2e suite runs on. */
export const ADAPTERS = ['express', 'fastify'] as const;
export type AdapterName = (typeof ADAPTERS)[number];

/** A 48-byte secret for tests. */
export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

/**
 * Compiles a module and starts it as an HTTP app on the given adapter (not listening on a port).
 * `configure` can override providers (e.g. the `Clock`) before compiling; `logger` receives the app's
 * log lines (none by default).
 */
export async function createTestApp(
  imports: ModuleMetadata['imports'],
  adapter: AdapterName,
  configure: (builder: TestingModuleBuilder) => TestingModuleBuilder = (builder) => builder,
  logger?: LoggerService,
): Promise<INestApplication> {
  const moduleRef = await configure(Test.createTestingModule({ imports })).compile();
  if (adapter === 'fastify') {
    const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: logger ?? false,
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return app;
  }
  const app = moduleRef.createNestApplication({
    logger: logger ?? (process.env.TEST_LOG ? undefined : false),
  });
  await app.init();
  return app;
}
