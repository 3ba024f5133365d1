import { SetMetadata } from '@nestjs/common';
import { IS_PUBLIC_KEY } from '../auth.constants.js';

/**
 * Marks a route or controller as open to anonymous callers, even under the global guard
 * (`AuthModule.forRoot({ global: true })`). Portcullis guards let such routes through without
 * reading any credential.
 *
 * @example
 * ```ts
 * @Public() @Get('health') health() { return { ok: true }; }
 * ```
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);
