import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { BENCH_JWT_SECRET } from '../../bench.constants.js';

interface RequestWithUser {
  headers: { authorization?: string };
  user?: unknown;
}

/**
 * The hand-written guard of the NestJS documentation's authentication chapter: no Passport, a
 * `JwtService.verifyAsync()` call with the secret string on every request.
 */
@Injectable()
export class JwtServiceGuard implements CanActivate {
  constructor(private readonly jwt: JwtService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithUser>();
    const [scheme, token] = request.headers.authorization?.split(' ') ?? [];
    if (scheme !== 'Bearer' || !token) throw new UnauthorizedException();
    try {
      request.user = await this.jwt.verifyAsync(token, { secret: BENCH_JWT_SECRET });
    } catch {
      throw new UnauthorizedException();
    }
    return true;
  }
}
