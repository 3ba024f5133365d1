import { type ArgumentsHost, Catch, HttpException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { asServiceUnavailable } from './is-service-unavailable-error.js';

/**
 * An exception filter for the app's own routes: an error that says the database or Redis is
 * unreachable or timed out ({@link isServiceUnavailableError}) is answered 503 `service_unavailable`
 * with the usual {@link AuthErrorBody} (no stack, no driver message); every other exception goes on to
 * Nest's default handling, unchanged. Works on Express and Fastify.
 *
 * Portcullis' own routes and guards answer outages with 503 without it. Install it globally so a
 * route of yours that reads the database fails the same way instead of with a 500. An app that already
 * has a global catch-all filter (error reporting, its own error format) can keep it and add
 * {@link ServiceUnavailableInterceptor} instead, or call {@link isServiceUnavailableError} in its filter.
 *
 * @example
 * ```ts
 * // As a provider, so Nest injects the HTTP adapter:
 * @Module({ providers: [{ provide: APP_FILTER, useClass: ServiceUnavailableFilter }] })
 * export class AppModule {}
 *
 * // or in main.ts:
 * app.useGlobalFilters(new ServiceUnavailableFilter(app.getHttpAdapter()));
 * ```
 */
@Catch()
export class ServiceUnavailableFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    const answered =
      host.getType() === 'http' && !(exception instanceof HttpException)
        ? asServiceUnavailable(exception)
        : exception;
    super.catch(answered, host);
  }
}
