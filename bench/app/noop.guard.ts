import { CanActivate, Injectable } from '@nestjs/common';

/**
 * Admits every request. The gap between this row and the unprotected one is what Nest's guard
 * pipeline costs by itself, the floor under any auth guard.
 */
@Injectable()
export class NoopGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}
