import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { DataSource, type Repository } from 'typeorm';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import { andThen, type MaybeAsync } from '../common/maybe-async.js';
import type { ResolvedMailOptions } from '../options/mail-options.resolver.js';
import type { ResolvedUserOptions } from '../options/user-options.resolver.js';
import { UserService } from '../users/user.service.js';
import { mailKey } from './email-address.js';
import { VerifiedEmail } from './verified-email.entity.js';

const NONE = '';

/**
 * Which users' addresses are verified (`auth_verified_emails`), with a cache in front so that
 * `requireVerifiedEmail` costs guarded requests no read once a user was seen. A user's address counts
 * as verified while it equals the verified one. Only verified addresses are cached, and a cached one
 * that differs from the user's is read again, so a verification made by another process counts at
 * once; a refused request reads the table each time. Internal.
 */
@Injectable()
export class VerifiedEmails {
  private readonly rows: Repository<VerifiedEmail>;
  private readonly cache: LRUCache<string, string>;

  /** Whether `requireVerifiedEmail` is on. */
  readonly required: boolean;

  constructor(
    dataSource: DataSource,
    private readonly users: UserService<object>,
    @Inject(AUTH_RESOLVED_OPTIONS)
    options: Pick<ResolvedMailOptions, 'requireVerifiedEmail'> &
      Pick<ResolvedUserOptions, 'userCache'>,
  ) {
    this.rows = dataSource.getRepository(VerifiedEmail);
    this.required = options.requireVerifiedEmail;
    this.cache = new LRUCache({ max: options.userCache.max, ttl: options.userCache.ttl * 1000 });
  }

  /** Whether the user's current address is verified; without a promise when the answer is cached. */
  isVerified(user: object): MaybeAsync<boolean> {
    const email = this.users.emailOf(user);
    if (email === undefined) return false;
    const userId = this.users.idOf(user);
    const key = mailKey(email);
    // A cached address that differs may be stale (verified anew in another process): read again.
    if (this.cache.get(userId) === key) return true;
    return andThen(this.load(userId), matches, key);
  }

  /** Records `email` as the user's verified address. */
  async markVerified(userId: string, email: string): Promise<void> {
    const key = mailKey(email);
    await this.rows.upsert({ userId, email: key, verifiedAt: new Date() }, ['userId']);
    this.cache.set(userId, key);
  }

  private async load(userId: string): Promise<string> {
    const row = await this.rows.findOneBy({ userId });
    // Only a verified address is kept: a verification in another process counts here at once.
    if (row) this.cache.set(userId, row.email);
    else this.cache.delete(userId);
    return row?.email ?? NONE;
  }
}

function matches(verified: string, current: string): boolean {
  return verified !== NONE && verified === current;
}
