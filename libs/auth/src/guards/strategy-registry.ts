import { Injectable, Optional } from '@nestjs/common';
import type { Strategy } from 'passport-strategy';
import { ApiKeyStrategy } from '../strategies/api-key.strategy.js';
import { BasicStrategy } from '../strategies/basic.strategy.js';
import { CookieStrategy } from '../strategies/cookie.strategy.js';
import type { CredentialStrategy } from '../strategies/credential-strategy.interface.js';
import { JwtStrategy } from '../strategies/jwt.strategy.js';
import { PasswordStrategy } from '../strategies/password.strategy.js';

/** A Passport strategy that also answers the questions `LoginRequiredGuard` asks. */
export type RegisteredStrategy = CredentialStrategy & Strategy;

/**
 * The strategy instances of this module by name. The guard uses these instances directly instead of
 * Passport's process-wide registry, so two applications in one process never use each other's.
 */
@Injectable()
export class StrategyRegistry {
  private readonly byName = new Map<string, RegisteredStrategy>();

  /** All but `jwt` read a user table, so a resource server (no database) registers only `jwt`. */
  constructor(
    jwt: JwtStrategy,
    @Optional() basic?: BasicStrategy,
    @Optional() password?: PasswordStrategy,
    @Optional() cookie?: CookieStrategy,
    @Optional() apiKey?: ApiKeyStrategy,
  ) {
    const all = [jwt, basic, password, cookie, apiKey] as unknown as RegisteredStrategy[];
    for (const strategy of all) {
      if (strategy) this.byName.set(strategy.strategyName, strategy);
    }
  }

  /** The strategy registered under `name`. */
  get(name: string): RegisteredStrategy {
    const strategy = this.byName.get(name);
    if (!strategy) throw new Error(`Portcullis: no strategy named ${name}`);
    return strategy;
  }
}
