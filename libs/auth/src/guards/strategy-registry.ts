import { Inject, Injectable, OnModuleInit, Optional, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedStructuralOptions } from '../options/structural-options.resolver.js';
import { AuthConfigurationError } from '../errors/auth.exception.js';
import { ApiKeyStrategy } from '../strategies/api-key.strategy.js';
import { BasicStrategy } from '../strategies/basic.strategy.js';
import { CookieStrategy } from '../strategies/cookie.strategy.js';
import type { CredentialStrategy } from '../strategies/credential-strategy.interface.js';
import { JwtStrategy } from '../strategies/jwt.strategy.js';
import { PasswordStrategy } from '../strategies/password.strategy.js';

/** An entry of a strategy chain: a built-in strategy's name, or an application's strategy class. */
export type StrategyEntry = string | Type<CredentialStrategy>;

/**
 * The strategy instances of this module: the built-ins by name, and the application's own classes
 * from its modules. The guards use these instances directly instead of Passport's process-wide
 * registry, so two applications in one process never use each other's. The `strategies` chain is
 * resolved once, at boot, so a strategy class that no module provides stops the boot.
 */
@Injectable()
export class StrategyRegistry implements OnModuleInit {
  private readonly byName = new Map<string, CredentialStrategy>();
  private resolvedChain: readonly CredentialStrategy[] | undefined;

  /** All but `jwt` read a user table, so a resource server (no database) registers only `jwt`. */
  constructor(
    private readonly moduleRef: ModuleRef,
    @Inject(AUTH_RESOLVED_OPTIONS)
    private readonly options: Pick<ResolvedStructuralOptions, 'strategies'>,
    jwt: JwtStrategy,
    @Optional() basic?: BasicStrategy,
    @Optional() password?: PasswordStrategy,
    @Optional() cookie?: CookieStrategy,
    @Optional() apiKey?: ApiKeyStrategy,
  ) {
    for (const strategy of [jwt, basic, password, cookie, apiKey]) {
      if (strategy) this.byName.set(strategy.strategyName, strategy);
    }
  }

  onModuleInit(): void {
    this.resolvedChain = this.resolve(this.options.strategies);
  }

  /** The `strategies` option's chain, in its order. */
  get chain(): readonly CredentialStrategy[] {
    return (this.resolvedChain ??= this.resolve(this.options.strategies));
  }

  /**
   * The strategies of `entries`, in order.
   *
   * @throws AuthConfigurationError for a name that is not a built-in strategy of this module, or a
   * class that no module provides or that does not implement {@link CredentialStrategy}.
   */
  resolve(entries: readonly StrategyEntry[]): CredentialStrategy[] {
    const chain = entries.map((entry) => this.strategyOf(entry));
    const names = chain.map((strategy) => strategy.strategyName);
    const repeated = names.find((name, index) => names.indexOf(name) !== index);
    if (repeated !== undefined) {
      throw new AuthConfigurationError([
        `strategies: two strategies are named ${JSON.stringify(repeated)}; each needs its own strategyName.`,
      ]);
    }
    return chain;
  }

  private strategyOf(entry: StrategyEntry): CredentialStrategy {
    if (typeof entry === 'string') {
      const strategy = this.byName.get(entry);
      if (!strategy) {
        throw new AuthConfigurationError([
          `strategies: ${JSON.stringify(entry)} is not available in this module.`,
        ]);
      }
      return strategy;
    }
    let strategy: unknown;
    try {
      strategy = this.moduleRef.get(entry, { strict: false });
    } catch (error) {
      const reason =
        (error as Error).constructor?.name === 'UnknownElementException'
          ? "is not a provider. Add it to the providers of one of the application's modules"
          : `cannot be resolved: ${(error as Error).message} A strategy must be a singleton provider`;
      throw new AuthConfigurationError([`strategies: ${entry.name} ${reason}.`]);
    }
    const candidate = strategy as Partial<CredentialStrategy> | undefined;
    if (
      typeof candidate?.authenticateRequest !== 'function' ||
      typeof candidate.strategyName !== 'string' ||
      candidate.strategyName.length === 0
    ) {
      throw new AuthConfigurationError([
        `strategies: ${entry.name} must implement CredentialStrategy (a strategyName and authenticateRequest(request)).`,
      ]);
    }
    return candidate as CredentialStrategy;
  }
}
