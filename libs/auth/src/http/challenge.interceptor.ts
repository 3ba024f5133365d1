import {
  type CallHandler,
  type ExecutionContext,
  HttpStatus,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { catchError, type Observable, throwError } from 'rxjs';
import { AuthException } from '../errors/auth.exception.js';
import { httpResponseOf } from '../guards/http-context.js';
import { RequestAuthenticator } from '../guards/request-authenticator.js';

/**
 * Gives a 401 thrown by a Portcullis route handler (a refused refresh token, a wrong current
 * password) the `WWW-Authenticate` header every 401 must carry (RFC 9110 section 15.5.2), as the
 * guards give theirs: the strategies' challenges, the first Bearer one describing the failure; and a
 * 429 its `Retry-After`.
 */
@Injectable()
export class ChallengeInterceptor implements NestInterceptor {
  constructor(private readonly authenticator: RequestAuthenticator) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (error instanceof AuthException) {
          const response = httpResponseOf(context);
          if (error.getStatus() === HttpStatus.UNAUTHORIZED) {
            this.authenticator.setHeader(
              response,
              'WWW-Authenticate',
              this.authenticator.challengeFor(this.authenticator.chain, error),
            );
          }
          this.authenticator.writeErrorHeaders(response, error);
        }
        return throwError(() => error);
      }),
    );
  }
}
