import { randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Characters of the public id: 12 base62 characters, about 71 bits. */
export const API_KEY_ID_LENGTH = 12;
/** Characters of the secret: 43 base62 characters, 256 bits from a CSPRNG. */
export const API_KEY_SECRET_LENGTH = 43;
/** Characters of the checksum: CRC32 in 6 base62 characters. */
export const API_KEY_CHECKSUM_LENGTH = 6;

/** The parts of a well-formed key. */
export interface ApiKeyParts {
  id: string;
  secret: string;
}

function randomBase62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[randomInt(62)];
  return out;
}

/**
 * CRC32 as 6 base62 digits. A fixed-width encoding of one uint32 is all that is needed here, which is
 * why it is a loop and not a base-N library.
 */
function checksum(body: string): string {
  let value = crc32(body);
  let out = '';
  for (let i = 0; i < API_KEY_CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/**
 * API keys look like `pcs_<12-char id>_<43-char secret><6-char CRC32>`: a fixed prefix that secret
 * scanners can match, a public id for lookup, 256 bits of secret, and a checksum that rejects a
 * mistyped or truncated key without a database read. There are no dots, so a key can never be taken for
 * a JWT.
 */
export class ApiKeyFormat {
  private readonly shape: RegExp;

  constructor(readonly prefix: string) {
    this.shape = new RegExp(
      `^${prefix}_([0-9A-Za-z]{${API_KEY_ID_LENGTH}})_([0-9A-Za-z]{${API_KEY_SECRET_LENGTH}})([0-9A-Za-z]{${API_KEY_CHECKSUM_LENGTH}})$`,
    );
  }

  /** A new key and its parts. */
  generate(): { key: string } & ApiKeyParts {
    const id = randomBase62(API_KEY_ID_LENGTH);
    const secret = randomBase62(API_KEY_SECRET_LENGTH);
    const body = `${this.prefix}_${id}_${secret}`;
    return { key: `${body}${checksum(body)}`, id, secret };
  }

  /** True when `candidate` has this format's prefix: it is meant as one of our keys. */
  claims(candidate: string): boolean {
    return candidate.startsWith(`${this.prefix}_`);
  }

  /** The parts of a key whose shape and checksum are right, else undefined. */
  parse(candidate: string): ApiKeyParts | undefined {
    if (candidate.length > 128) return undefined;
    const match = this.shape.exec(candidate);
    if (!match) return undefined;
    const [, id, secret, sum] = match;
    if (checksum(`${this.prefix}_${id}_${secret}`) !== sum) return undefined;
    return { id, secret };
  }
}
