import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { PasswordValidator } from './password-validator.interface.js';

/**
 * The list shipped with Portcullis: the 20,000 most common passwords of `@zxcvbn-ts/language-common`
 * (MIT; see `data/NOTICE`). From `src/passwords/` under a test runner and from `dist/passwords/` once
 * built, the package's `data/` folder is two levels up.
 */
const SHIPPED_LIST = new URL('../../data/common-passwords.txt.gz', import.meta.url);

/** Each list file is read once per process, however many validators name it. */
const loadedLists = new Map<string, Promise<ReadonlySet<string>>>();

/**
 * Rejects a password found in a list of common passwords, ignoring case and surrounding whitespace:
 * those are the first an attacker tries.
 *
 * @example
 * ```ts
 * // Your own list: one password a line, plain text or gzip (by the .gz extension).
 * new CommonPasswordValidator({ file: '/etc/myapp/banned-passwords.txt' })
 * ```
 */
export class CommonPasswordValidator implements PasswordValidator {
  /** The `rule` of its failures. */
  readonly rule = 'common';

  /** The rule as help text. */
  readonly description = 'Your password cannot be a commonly used password.';

  private readonly file: string;

  /**
   * @param options.file the list to check against, a path or `file:` URL.
   * @default the shipped list of 20,000 passwords
   */
  constructor(options: { file?: string | URL } = {}) {
    const file = options.file ?? SHIPPED_LIST;
    this.file = file instanceof URL ? fileURLToPath(file) : file;
  }

  /** A message when the password is in the list, else null. The list is read at the first call. */
  async validate(password: string): Promise<string | null> {
    const list = await this.list();
    if (!list.has(password.trim().toLowerCase())) return null;
    return 'This password is too common: it is among the first an attacker would try. Choose something less predictable.';
  }

  private list(): Promise<ReadonlySet<string>> {
    let loading = loadedLists.get(this.file);
    if (!loading) {
      loading = readList(this.file);
      // A failed read (a mistyped path) is retried on the next call rather than remembered.
      loading.catch(() => loadedLists.delete(this.file));
      loadedLists.set(this.file, loading);
    }
    return loading;
  }
}

async function readList(file: string): Promise<ReadonlySet<string>> {
  let content: Buffer;
  try {
    content = await readFile(file);
    if (file.endsWith('.gz')) content = await promisify(gunzip)(content);
  } catch (error) {
    throw new Error(
      `CommonPasswordValidator cannot read its password list ${file}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const passwords = new Set<string>();
  for (const line of content.toString('utf8').split('\n')) {
    const password = line.trim().toLowerCase();
    if (password) passwords.add(password);
  }
  return passwords;
}
