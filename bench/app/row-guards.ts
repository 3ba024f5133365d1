import { applyDecorators, UseGuards } from '@nestjs/common';
import { AuthGuard, Permissions } from 'portcullis';
import { BENCH_PERMISSION } from '../bench.constants.js';
import type { RowId } from '../bench-rows.js';
import { DocsJwtGuard } from './docs-recipes/docs-jwt.strategy.js';
import { JwtServiceGuard } from './docs-recipes/jwt-service.guard.js';
import { NoopGuard } from './noop.guard.js';

/**
 * What protects each row's route (`UseGuards(...)`, plus route metadata such as `@Permissions`),
 * written the way an application writes it, or null for nothing. A total map over the row ids, so a
 * row added to the table without an entry here fails to compile instead of measuring the wrong thing.
 */
export const ROW_GUARDS: Record<RowId, ClassDecorator | null> = {
  unprotected: null,
  'noop-guard': UseGuards(NoopGuard),
  'portcullis-jwt-hs256': UseGuards(AuthGuard),
  'portcullis-jwt-rs256': UseGuards(AuthGuard),
  'portcullis-jwt-es256': UseGuards(AuthGuard),
  'portcullis-jwt-eddsa': UseGuards(AuthGuard),
  'portcullis-api-key': UseGuards(AuthGuard),
  // @Permissions adds PermissionsGuard after AuthGuard, as DESIGN.md's NotesController has it.
  'portcullis-jwt-permissions': applyDecorators(
    UseGuards(AuthGuard),
    Permissions(BENCH_PERMISSION),
  ),
  'portcullis-basic': UseGuards(AuthGuard),
  'docs-passport-jwt': UseGuards(DocsJwtGuard),
  'docs-jwt-service': UseGuards(JwtServiceGuard),
};
