import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import * as argon2 from 'argon2';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedPasswordOptions } from '../options/password-options.resolver.js';
import { ValidationFailedException } from '../errors/auth.exception.js';

/**
 * argon2id password hashing with PHC strings. Parameters come from the `passwordHashing` option (OWASP's
 * m=19456 KiB, t=2, p=1 by default). Passwords are hashed byte for byte as UTF-8: never trimmed, never
 * truncated, and refused above `maxPasswordBytes` before any hashing.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private dummyHash?: Promise<string>;
  /** Hashes and verifies running now, and those waiting for one of them to end. */
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(@Inject(AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedPasswordOptions) {}

  /** Prepares the dummy hash at boot so the first unknown-user login costs what later ones do. */
  async onModuleInit(): Promise<void> {
    await this.dummy();
  }

  /**
   * Rejects a password that cannot be used: not a string, empty, or longer than `maxPasswordBytes`.
   *
   * @throws ValidationFailedException (400 `validation_failed`)
   */
  assertAcceptable(password: unknown): asserts password is string {
    if (typeof password !== 'string' || password.length === 0) {
      throw new ValidationFailedException([
        { field: 'password', message: 'password must be a non-empty string.' },
      ]);
    }
    if (Buffer.byteLength(password, 'utf8') > this.options.maxPasswordBytes) {
      throw new ValidationFailedException([
        {
          field: 'password',
          message: `password must be at most ${this.options.maxPasswordBytes} bytes.`,
        },
      ]);
    }
  }

  /** Hashes a password with the current parameters; returns a PHC string. */
  async hash(password: string): Promise<string> {
    const hash = await this.limited(() =>
      argon2.hash(password, { type: argon2.argon2id, ...this.options.passwordHashing }),
    );
    return canonicalPhcOrder(hash);
  }

  /**
   * Checks a password against a stored PHC string. A malformed or foreign hash verifies as false, never
   * throws.
   */
  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await this.limited(() => argon2.verify(hash, password));
    } catch {
      return false;
    }
  }

  /**
   * Spends one verify on a hash no password matches, so that an unknown user costs the same time as a
   * known one. Always resolves to false.
   */
  async verifyDummy(password: string): Promise<false> {
    await this.verify(await this.dummy(), password);
    return false;
  }

  /** True when a stored hash was made with other parameters (or another variant) than the current ones. */
  needsRehash(hash: string): boolean {
    if (!hash.startsWith('$argon2id$')) return true;
    try {
      return argon2.needsRehash(hash, this.options.passwordHashing);
    } catch {
      return true;
    }
  }

  /**
   * Runs `work` when fewer than `passwordHashing.concurrency` hashes or verifies are running, first
   * come first served. A counter and a queue are the whole semaphore, hence no library for it.
   */
  private async limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.options.passwordHashingConcurrency) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      // The slot passes straight to the next in line, or is given back.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= this.hash(randomBytes(32).toString('base64url'));
    return this.dummyHash;
  }
}

const PHC_PARAMETERS = /^(\$argon2(?:id|i|d)\$v=\d+\$)m=(\d+),p=(\d+),t=(\d+)(\$.*)$/;

/**
 * Rewrites `m=..,p=..,t=..` as `m=..,t=..,p=..`, the order of the PHC string format that the reference
 * libargon2 (and so argon2-cffi, PHP, ...) insists on. node-argon2 0.45 writes m,p,t
 * (ranisalt/node-argon2#559) but reads parameters by name, so both orders verify here.
 */
export function canonicalPhcOrder(hash: string): string {
  const match = PHC_PARAMETERS.exec(hash);
  if (!match) return hash;
  const [, prefix, memory, parallelism, time, rest] = match;
  return `${prefix}m=${memory},t=${time},p=${parallelism}${rest}`;
}
