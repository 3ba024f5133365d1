import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';

/**
 * The JWT secret for the example app: AUTH_JWT_SECRET when set. Outside production a missing secret is
 * generated (tokens then die with the process) and a warning is logged; in production it is an error.
 */
export function exampleJwtSecret(
  env: NodeJS.ProcessEnv,
  logger = new Logger('ExampleApp'),
): string {
  const configured = env.AUTH_JWT_SECRET;
  if (configured) return configured;
  if (env.NODE_ENV === 'production') {
    throw new Error(
      'AUTH_JWT_SECRET is not set. In production the example app refuses to start without it: set it to at least 32 random bytes, e.g. `openssl rand -base64 48`.',
    );
  }
  logger.warn(
    'AUTH_JWT_SECRET is not set: generated a random secret for this process, so tokens stop working at restart. Set AUTH_JWT_SECRET (e.g. `openssl rand -base64 48`) to keep them.',
  );
  return randomBytes(48).toString('base64url');
}
