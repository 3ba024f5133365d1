import { Inject } from '@nestjs/common';
import { AUTH_USER_REPOSITORY } from '../auth.constants.js';

/**
 * Injects the TypeORM `Repository` of the configured user entity, whichever class that is.
 *
 * @example
 * ```ts
 * constructor(@InjectUserRepository() private readonly accounts: Repository<Account>) {}
 * ```
 */
export function InjectUserRepository(): PropertyDecorator & ParameterDecorator {
  return Inject(AUTH_USER_REPOSITORY);
}
