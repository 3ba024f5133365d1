import { Injectable } from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { BENCH_JWT_SECRET } from '../../bench.constants.js';

/**
 * The Passport name of the docs recipe. The docs leave it at passport-jwt's default, `'jwt'`, but
 * Portcullis' own strategy registers `'jwt'` in Passport's process-wide registry too, and whichever
 * is constructed last would serve both `AuthGuard('jwt')` rows. Renaming it changes nothing in what a
 * request costs.
 */
export const DOCS_JWT_STRATEGY = 'docs-jwt';

/** The claims the docs recipe signs. */
export interface DocsJwtPayload {
  sub: string;
  username: string;
}

/**
 * The JWT strategy of the NestJS documentation's Passport recipe, as applications copy it: the secret
 * is the plain string from the config, handed straight to passport-jwt (and so to jsonwebtoken), and
 * `validate()` trusts the payload without a database read.
 */
@Injectable()
export class DocsJwtStrategy extends PassportStrategy(Strategy, DOCS_JWT_STRATEGY) {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      ignoreExpiration: false,
      secretOrKey: BENCH_JWT_SECRET,
    });
  }

  async validate(payload: DocsJwtPayload): Promise<{ userId: string; username: string }> {
    return { userId: payload.sub, username: payload.username };
  }
}

/** The recipe's `JwtAuthGuard`: `@nestjs/passport`'s guard for the strategy above. */
@Injectable()
export class DocsJwtGuard extends AuthGuard(DOCS_JWT_STRATEGY) {}
