import type { CanActivate, Type } from '@nestjs/common';
import { AuthGuard } from 'portcullis';
import type { RowId } from '../bench-rows.js';
import { DocsJwtGuard } from './docs-recipes/docs-jwt.strategy.js';
import { JwtServiceGuard } from './docs-recipes/jwt-service.guard.js';
import { NoopGuard } from './noop.guard.js';

/**
 * The guard in front of each row's route, or null for none. A total map over the row ids, so a row
 * added to the table without a guard here fails to compile instead of measuring the wrong thing.
 */
export const ROW_GUARDS: Record<RowId, Type<CanActivate> | null> = {
  unprotected: null,
  'noop-guard': NoopGuard,
  'portcullis-jwt-hs256': AuthGuard,
  'portcullis-basic': AuthGuard,
  'docs-passport-jwt': DocsJwtGuard,
  'docs-jwt-service': JwtServiceGuard,
};
