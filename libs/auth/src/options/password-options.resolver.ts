import { defaultPasswordValidators } from '../passwords/default-password-validators.js';
import type { PasswordValidator } from '../passwords/password-validator.interface.js';
import type { AuthModuleOptions } from './auth.options.js';
import { AUTH_DEFAULTS } from './auth-defaults.js';
import { positiveInteger } from './option-checks.js';

/** The passwords section of the resolved options: argon2id costs, the byte limit, the rules. Internal. */
export interface ResolvedPasswordOptions {
  passwordHashing: { memoryCost: number; timeCost: number; parallelism: number };
  /** Hashes and verifies allowed to run at once (`passwordHashing.concurrency`). */
  passwordHashingConcurrency: number;
  maxPasswordBytes: number;
  passwordValidators: PasswordValidator[];
}

/** The least `passwordHashing.memoryCost` accepted, in KiB: a floor for the option, not its default. */
const MIN_MEMORY_COST = 1024;

/** libuv's own default when `UV_THREADPOOL_SIZE` is unset. */
const LIBUV_THREADPOOL_SIZE = 4;

/** Applies defaults to the password options; what is wrong goes to `problems`. */
export function resolvePasswordOptions(
  problems: string[],
  input: AuthModuleOptions,
): ResolvedPasswordOptions {
  const hashing = input.passwordHashing;
  const defaults = AUTH_DEFAULTS.passwordHashing;
  const passwordHashing = {
    memoryCost: positiveInteger(
      problems,
      'passwordHashing.memoryCost',
      hashing?.memoryCost,
      defaults.memoryCost,
      MIN_MEMORY_COST,
    ),
    timeCost: positiveInteger(
      problems,
      'passwordHashing.timeCost',
      hashing?.timeCost,
      defaults.timeCost,
    ),
    parallelism: positiveInteger(
      problems,
      'passwordHashing.parallelism',
      hashing?.parallelism,
      defaults.parallelism,
    ),
  };
  const passwordHashingConcurrency = positiveInteger(
    problems,
    'passwordHashing.concurrency',
    hashing?.concurrency,
    defaultHashingConcurrency(),
  );
  const maxPasswordBytes = positiveInteger(
    problems,
    'maxPasswordBytes',
    input.maxPasswordBytes,
    AUTH_DEFAULTS.maxPasswordBytes,
  );
  return {
    passwordHashing,
    passwordHashingConcurrency,
    maxPasswordBytes,
    passwordValidators: passwordValidators(problems, input.passwordValidators, maxPasswordBytes),
  };
}

/**
 * The default of `passwordHashing.concurrency`: one thread of libuv's pool fewer than it has, so that
 * file reads, DNS lookups and other crypto never queue behind a storm of logins (bench/README.md).
 */
function defaultHashingConcurrency(): number {
  const poolSize = Number(process.env.UV_THREADPOOL_SIZE) || LIBUV_THREADPOOL_SIZE;
  return Math.max(1, poolSize - 1);
}

function passwordValidators(
  problems: string[],
  given: PasswordValidator[] | undefined,
  maxPasswordBytes: number,
): PasswordValidator[] {
  // A bad maxPasswordBytes is reported on its own and resolves to the default, which suits here.
  if (given === undefined) return defaultPasswordValidators({ maxPasswordBytes });
  if (!Array.isArray(given)) {
    problems.push(
      'passwordValidators must be an array of PasswordValidator ([] turns the rules off).',
    );
    return [];
  }
  given.forEach((validator, index) => {
    if (
      typeof validator !== 'object' ||
      validator === null ||
      typeof validator.validate !== 'function' ||
      typeof validator.rule !== 'string' ||
      validator.rule.length === 0
    ) {
      problems.push(
        `passwordValidators[${index}] must be a PasswordValidator: an object with a rule (a non-empty string) and a validate(password, user) method.`,
      );
    }
  });
  return given;
}
