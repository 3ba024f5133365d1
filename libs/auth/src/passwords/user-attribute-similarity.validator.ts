import type { PasswordUserContext, PasswordValidator } from './password-validator.interface.js';

/** Options of {@link UserAttributeSimilarityValidator}. */
export interface UserAttributeSimilarityOptions {
  /**
   * The {@link PasswordUserContext} properties compared with the password, in this order.
   * @default ['handle', 'email', 'firstName', 'lastName', 'displayName']
   */
  attributes?: string[];
  /**
   * The similarity (0.1 to 1) from which a password is refused: 1 refuses only a password equal to an
   * attribute (ignoring case), lower values refuse more.
   * @default 0.7
   */
  maxSimilarity?: number;
}

const DEFAULT_ATTRIBUTES = ['handle', 'email', 'firstName', 'lastName', 'displayName'];

/** Runs of anything but letters, digits and `_` (Python's `\W`): they split `alice.smith@example.com`. */
const SEPARATORS = /[^\p{L}\p{N}_]+/u;

/**
 * Rejects a password too similar to the account's handle, email address (whole, local part and
 * domain labels) or other personal attributes: the first things an attacker who knows the account
 * tries.
 *
 * @example
 * ```ts
 * new UserAttributeSimilarityValidator({ attributes: ['handle', 'email', 'companyName'], maxSimilarity: 0.6 })
 * ```
 */
export class UserAttributeSimilarityValidator implements PasswordValidator {
  /** The `rule` of its failures. */
  readonly rule = 'user_attribute_similarity';

  /** The rule as help text. */
  readonly description = 'Your password cannot be too similar to your other personal information.';

  private readonly attributes: string[];
  private readonly maxSimilarity: number;

  constructor(options: UserAttributeSimilarityOptions = {}) {
    this.attributes = options.attributes ?? DEFAULT_ATTRIBUTES;
    this.maxSimilarity = options.maxSimilarity ?? 0.7;
    if (!(this.maxSimilarity >= 0.1 && this.maxSimilarity <= 1)) {
      throw new RangeError('UserAttributeSimilarityValidator: maxSimilarity must be 0.1 to 1.');
    }
  }

  /** A message naming the attribute the password resembles, else null. */
  validate(password: string, user?: PasswordUserContext): string | null {
    if (!user) return null;
    const candidate = [...password.toLowerCase()];
    for (const attribute of this.attributes) {
      const value = user[attribute];
      if (typeof value !== 'string' || value.trim().length === 0) continue;
      const whole = value.toLowerCase();
      const parts = [...whole.split(SEPARATORS), whole].filter(Boolean);
      if (parts.some((part) => this.tooSimilar(candidate, [...part]))) {
        return `This password is too similar to your ${label(attribute, user)}: choose one that does not resemble it.`;
      }
    }
    return null;
  }

  private tooSimilar(password: string[], part: string[]): boolean {
    const total = password.length + part.length;
    // No two strings can score more than this: skip the comparison when even it is below the bar.
    if ((2 * Math.min(password.length, part.length)) / total < this.maxSimilarity) return false;
    return (2 * matchingCharacters(password, part)) / total >= this.maxSimilarity;
  }
}

/**
 * Characters in the matching blocks of Ratcliff/Obershelp (Python's `SequenceMatcher.ratio`): the
 * longest common run, then the same on what lies left and right of it. Django uses the cruder
 * `quick_ratio` (characters in common, in any order), which also refuses a password that merely
 * shares letters with the name; both refuse `alice2024` for `alice` (2·5/14 ≈ 0.71).
 */
function matchingCharacters(a: string[], b: string[]): number {
  let matched = 0;
  const pending: Array<[number, number, number, number]> = [[0, a.length, 0, b.length]];
  while (pending.length) {
    const [aStart, aEnd, bStart, bEnd] = pending.pop()!;
    const { length, aAt, bAt } = longestCommonRun(a, aStart, aEnd, b, bStart, bEnd);
    if (length === 0) continue;
    matched += length;
    pending.push([aStart, aAt, bStart, bAt], [aAt + length, aEnd, bAt + length, bEnd]);
  }
  return matched;
}

function longestCommonRun(
  a: string[],
  aStart: number,
  aEnd: number,
  b: string[],
  bStart: number,
  bEnd: number,
): { length: number; aAt: number; bAt: number } {
  let best = { length: 0, aAt: aStart, bAt: bStart };
  // runs[j]: length of the common run ending at a[i - 1] and b[j - 1], one row of the usual table.
  let previous = new Array<number>(bEnd - bStart + 1).fill(0);
  for (let i = aStart; i < aEnd; i++) {
    const current = new Array<number>(bEnd - bStart + 1).fill(0);
    for (let j = bStart; j < bEnd; j++) {
      if (a[i] !== b[j]) continue;
      const length = previous[j - bStart] + 1;
      current[j - bStart + 1] = length;
      if (length > best.length) best = { length, aAt: i - length + 1, bAt: j - length + 1 };
    }
    previous = current;
  }
  return best;
}

const LABELS: Record<string, string> = {
  handle: 'username',
  email: 'email address',
  firstName: 'first name',
  lastName: 'last name',
  displayName: 'display name',
};

function label(attribute: string, user: PasswordUserContext): string {
  // When people log in with their email address, the handle is that address.
  if (attribute === 'handle' && user.handle === user.email) return LABELS.email;
  return LABELS[attribute] ?? attribute.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
