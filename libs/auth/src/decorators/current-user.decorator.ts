import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { httpRequestOf } from '../guards/http-context.js';

/**
 * The authenticated user of the request (an instance of your user entity, without its password hash),
 * or one of its properties. `undefined` on routes where nobody is logged in (`@Public()`,
 * `@OptionalAuth()` with no credentials).
 *
 * @example
 * ```ts
 * @Get('me') me(@CurrentUser() user: Account) { ... }
 * @Get('mine') mine(@CurrentUser('id') userId: string) { ... }
 * ```
 */
export const CurrentUser = createParamDecorator(
  (property: string | undefined, context: ExecutionContext): unknown => {
    const user = httpRequestOf<{ user?: Record<string, unknown> }>(context).user;
    if (!user) return undefined;
    return property ? user[property] : user;
  },
);
