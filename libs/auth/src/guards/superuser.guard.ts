import { Injectable } from '@nestjs/common';
import type { UserPassesTestRequirement } from './user-passes-test.requirement.js';
import { UserPassesTestGuard } from './user-passes-test.guard.js';
import { isSuperuser } from './user-predicates.js';

const SUPERUSERS_ONLY: readonly UserPassesTestRequirement[] = [
  {
    test: isSuperuser,
    message: 'Superusers only.',
    // Keys are refused whatever their owner may do, so a leaked key can never hand out
    // permissions or deactivate users.
    refuseApiKeys: true,
    apiKeyRefusalMessage: 'API keys cannot use the admin routes; log in as a superuser.',
  },
];

/**
 * Guards the admin routes: a {@link UserPassesTestGuard} with the fixed test {@link isSuperuser}
 * that refuses API keys. It authenticates first (anonymous: 401, never 403). Internal.
 */
@Injectable()
export class SuperuserGuard extends UserPassesTestGuard {
  protected override testsOf(): readonly UserPassesTestRequirement[] {
    return SUPERUSERS_ONLY;
  }
}
