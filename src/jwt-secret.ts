import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The JWT secret for the example app: AUTH_JWT_SECRET when set. Outside production a missing secret is
 * generated and a warning is logged; with `keepIn` (a file beside the SQLite database) the generated
 * secret is kept there, so tokens and API keys survive restarts and the CLI shares them. In production
 * a missing secret is an error.
 */
export function exampleJwtSecret(
  env: NodeJS.ProcessEnv,
  logger: Pick<Logger, 'warn'> = new Logger('ExampleApp'),
  keepIn?: string,
): string {
  const configured = env.AUTH_JWT_SECRET;
  if (configured) return configured;
  if (env.NODE_ENV === 'production') {
    throw new Error(
      'AUTH_JWT_SECRET is not set. In production the example app refuses to start without it: set it to at least 32 random bytes, e.g. `openssl rand -base64 48`.',
    );
  }
  if (keepIn) {
    try {
      const kept = readFileSync(keepIn, 'utf8').trim();
      if (kept.length >= 43) {
        logger.warn(`AUTH_JWT_SECRET is not set: using the development secret kept in ${keepIn}.`);
        return kept;
      }
    } catch {
      // No kept secret yet: make one below.
    }
  }
  const generated = randomBytes(48).toString('base64url');
  if (keepIn) {
    mkdirSync(dirname(keepIn), { recursive: true });
    writeFileSync(keepIn, `${generated}\n`, { mode: 0o600 });
  }
  logger.warn(
    keepIn
      ? `AUTH_JWT_SECRET is not set: generated a development secret and kept it in ${keepIn}. Set AUTH_JWT_SECRET (e.g. \`openssl rand -base64 48\`) outside development.`
      : 'AUTH_JWT_SECRET is not set: generated a random secret for this process, so tokens stop working at restart. Set AUTH_JWT_SECRET (e.g. `openssl rand -base64 48`) to keep them.',
  );
  return generated;
}
