import { Strategy } from 'passport-strategy';
import { readAuthorization } from './authorization-header.js';
import { decodeBasicCredentials } from './basic-credentials.js';
import type { AuthRequest } from './credential-strategy.interface.js';

type Done = (error: unknown, user?: unknown, info?: unknown) => void;
type Verify = (request: AuthRequest, username: string, password: string, done: Done) => void;

/** Marker passed to `fail()` for a Basic header that cannot be decoded. */
export const MALFORMED_BASIC = { reason: 'malformed_basic_credentials' } as const;

/**
 * A minimal Passport strategy for `Authorization: Basic` (RFC 7617), calling
 * `verify(request, username, password, done)`.
 */
export class HttpBasicPassportStrategy extends Strategy {
  name = 'basic';

  constructor(private readonly verify: Verify) {
    super();
  }

  override authenticate(request: AuthRequest): void {
    const authorization = readAuthorization(request);
    if (!authorization || authorization.scheme !== 'basic') {
      this.fail(undefined, 401);
      return;
    }
    const credentials = decodeBasicCredentials(authorization.credentials);
    if (!credentials) {
      this.fail(MALFORMED_BASIC, 401);
      return;
    }
    this.verify(request, credentials.username, credentials.password, (error, user, info) => {
      if (error) this.error(error as Error);
      else if (!user) this.fail(info, 401);
      else this.success(user, info as object | undefined);
    });
  }
}
