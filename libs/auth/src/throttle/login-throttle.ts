import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedThrottleLimit } from '../auth.resolved-options.js';
import type { ResolvedThrottleOptions } from '../options/throttle-options.resolver.js';
import {
  AuthServiceUnavailableException,
  TooManyAttemptsException,
} from '../errors/auth.exception.js';
import { AuthEvents } from '../events/auth-events.js';
import { addressThrottleKey } from './address-throttle-key.js';
import { ThrottleStore } from './throttle-store.js';

/** What {@link LoginThrottle.beginLogin} counted, to settle once the outcome is known. */
export interface LoginAttempt {
  readonly handleKey: string;
  readonly addressKey: string | undefined;
}

interface Budget {
  key: string;
  limit: ResolvedThrottleLimit;
  scope: 'handle' | 'address' | 'email';
}

/**
 * Login and registration throttling over a {@link ThrottleStore}.
 *
 * Every login attempt is counted, per handle and per client address, before the password is checked,
 * so a burst of parallel guesses cannot all slip in before the first failure is recorded. Past a limit
 * the attempt is refused with 429 whatever the password, until the window passes. A success takes its
 * attempt back: the handle's count starts over and the address's loses one, so only failures add up.
 * Handles are counted whether or not an account has them, so a 429 says nothing about who exists.
 *
 * A store that cannot answer (Redis down) makes logins answer 503: throttling is never skipped.
 */
@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger('Portcullis');

  constructor(
    private readonly store: ThrottleStore,
    private readonly events: AuthEvents,
    @Inject(AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedThrottleOptions,
  ) {}

  /**
   * Counts a login attempt for a normalised handle from an address.
   *
   * @throws TooManyAttemptsException when either budget is spent.
   * @throws AuthServiceUnavailableException when the store cannot be reached.
   */
  async beginLogin(handle: string, address: string | undefined): Promise<LoginAttempt> {
    const limits = this.options.throttle;
    const handleKey = `login:handle:${digest(handle)}`;
    const addressKey =
      address === undefined ? undefined : `login:addr:${addressThrottleKey(address)}`;
    const budgets: Budget[] = [];
    if (limits.loginPerHandle) {
      budgets.push({ key: handleKey, limit: limits.loginPerHandle, scope: 'handle' });
    }
    if (limits.loginPerAddress && addressKey) {
      budgets.push({ key: addressKey, limit: limits.loginPerAddress, scope: 'address' });
    }
    await this.spend(budgets, (scope, retryAfter) =>
      this.events.emit({ type: 'login.throttled', handle, scope, retryAfter, address }),
    );
    return {
      handleKey,
      addressKey: limits.loginPerAddress ? addressKey : undefined,
    };
  }

  /** Settles a successful attempt: the handle starts over, the address gets its attempt back. */
  async loginSucceeded(attempt: LoginAttempt): Promise<void> {
    try {
      await Promise.all([
        this.options.throttle.loginPerHandle ? this.store.reset(attempt.handleKey) : undefined,
        attempt.addressKey ? this.store.decrement(attempt.addressKey) : undefined,
      ]);
    } catch (error) {
      // The login stands; the counters only stay higher than they should until their window passes.
      this.logger.warn(`Could not settle a login attempt: ${(error as Error).message}`);
    }
  }

  /**
   * Takes back an attempt whose password was never checked (the database could not be reached): an
   * outage must not spend anyone's budget, or users retrying through it would be locked out after it.
   */
  async loginAborted(attempt: LoginAttempt): Promise<void> {
    try {
      await Promise.all([
        this.options.throttle.loginPerHandle ? this.store.decrement(attempt.handleKey) : undefined,
        attempt.addressKey ? this.store.decrement(attempt.addressKey) : undefined,
      ]);
    } catch (error) {
      this.logger.warn(`Could not take back a login attempt: ${(error as Error).message}`);
    }
  }

  /**
   * Counts a registration from an address.
   *
   * @throws TooManyAttemptsException when the address's budget is spent.
   * @throws AuthServiceUnavailableException when the store cannot be reached.
   */
  async beginRegistration(address: string | undefined): Promise<void> {
    const limit = this.options.throttle.registrationPerAddress;
    if (!limit || address === undefined) return;
    const key = `register:addr:${addressThrottleKey(address)}`;
    await this.spend([{ key, limit, scope: 'address' }], (scope, retryAfter) =>
      this.events.emit({ type: 'registration.throttled', scope, retryAfter, address }),
    );
  }

  /**
   * Counts a request that sends mail to `email` (normalised) from `address`: against
   * `throttle.mailPerAddress` and `throttle.mailPerEmail`, whether or not an account has the address.
   *
   * @throws TooManyAttemptsException when either budget is spent.
   * @throws AuthServiceUnavailableException when the store cannot be reached.
   */
  async beginMail(email: string, address: string | undefined): Promise<void> {
    const limits = this.options.throttle;
    const budgets: Budget[] = [];
    if (limits.mailPerEmail) {
      budgets.push({
        key: `mail:email:${digest(email)}`,
        limit: limits.mailPerEmail,
        scope: 'email',
      });
    }
    if (limits.mailPerAddress && address !== undefined) {
      budgets.push({
        key: `mail:addr:${addressThrottleKey(address)}`,
        limit: limits.mailPerAddress,
        scope: 'address',
      });
    }
    await this.spend(budgets, (scope, retryAfter) =>
      this.events.emit({ type: 'mail.throttled', scope, retryAfter, address }),
    );
  }

  /**
   * Counts a use of a one-time token or code from `address`, right or wrong
   * (`throttle.oneTimeTokenPerAddress`).
   *
   * @throws TooManyAttemptsException when the budget is spent.
   * @throws AuthServiceUnavailableException when the store cannot be reached.
   */
  async beginOneTimeToken(address: string | undefined): Promise<void> {
    const limit = this.options.throttle.oneTimeTokenPerAddress;
    if (!limit || address === undefined) return;
    const key = `ott:addr:${addressThrottleKey(address)}`;
    await this.spend([{ key, limit, scope: 'address' }], (scope, retryAfter) =>
      this.events.emit({ type: 'one_time_token.throttled', scope, retryAfter, address }),
    );
  }

  private async spend(
    budgets: Budget[],
    onThrottled: (scope: Budget['scope'], retryAfter: number) => void,
  ): Promise<void> {
    if (budgets.length === 0) return;
    let counts: Array<{ count: number; resetInMs: number }>;
    try {
      counts = await Promise.all(
        budgets.map((budget) => this.store.hit(budget.key, budget.limit.windowMs)),
      );
    } catch (error) {
      this.logger.error(`The throttle store cannot be reached: ${(error as Error).message}`);
      throw new AuthServiceUnavailableException();
    }
    let spent: { scope: Budget['scope']; retryAfter: number } | undefined;
    budgets.forEach((budget, index) => {
      const { count, resetInMs } = counts[index];
      if (count <= budget.limit.limit) return;
      const retryAfter = Math.max(1, Math.ceil(resetInMs / 1000));
      if (!spent || retryAfter > spent.retryAfter) spent = { scope: budget.scope, retryAfter };
    });
    if (spent) {
      onThrottled(spent.scope, spent.retryAfter);
      throw new TooManyAttemptsException(spent.retryAfter);
    }
  }
}

/** Handles are counted under a digest: bounded key size, and no handles in plain text in Redis. */
function digest(handle: string): string {
  return createHash('sha256').update(handle).digest('base64url').slice(0, 32);
}
