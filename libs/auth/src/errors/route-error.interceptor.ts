import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { catchError, type Observable, throwError } from 'rxjs';
import { redactedStoreError } from './redacted-error.js';

/**
 * On Portcullis' own routes: an outage is a 503, and any other error that is not an answer already is
 * a 500 `internal_error` logged as one redacted line. Nest would otherwise log the error object whole,
 * and a TypeORM `QueryFailedError` carries its query parameters (a new password hash, a token digest).
 * Internal.
 */
@Injectable()
export class RouteErrorInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error) => {
        const route = `${context.getClass().name}.${context.getHandler().name}`;
        return throwError(() => redactedStoreError(error, route));
      }),
    );
  }
}
