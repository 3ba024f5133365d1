import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { catchError, type Observable, throwError } from 'rxjs';
import { asServiceUnavailable } from './is-service-unavailable-error.js';

/**
 * Turns an outage error thrown by a route handler (or its pipes), one that
 * {@link isServiceUnavailableError} recognises, into {@link AuthServiceUnavailableException}: a 503
 * `service_unavailable` rendered by whatever exception filters the app has. Other errors pass through
 * untouched.
 *
 * Portcullis puts it on its own routes. Use it on yours when the app has a global exception filter of
 * its own (error reporting, its own error format) that should keep seeing every error; otherwise
 * {@link ServiceUnavailableFilter} is the simpler choice. Guards run before interceptors: Portcullis'
 * guards map outages themselves, a guard of yours must do the same.
 *
 * @example
 * ```ts
 * @Module({ providers: [{ provide: APP_INTERCEPTOR, useClass: ServiceUnavailableInterceptor }] })
 * export class AppModule {}
 * ```
 */
@Injectable()
export class ServiceUnavailableInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(catchError((error) => throwError(() => asServiceUnavailable(error))));
  }
}
