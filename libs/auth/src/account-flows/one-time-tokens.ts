import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  DataSource,
  In,
  IsNull,
  LessThan,
  MoreThan,
  MoreThanOrEqual,
  type Repository,
} from 'typeorm';
import { InvalidOneTimeTokenException } from '../errors/auth.exception.js';
import type { AccountFlow } from '../events/auth-event.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { OneTimeToken } from './one-time-token.entity.js';

/** What {@link OneTimeTokens.issue} made: the token (and code) to mail, never stored as such. */
export interface IssuedOneTimeToken {
  /** 256 random bits, base64url (43 characters). */
  token: string;
  /** A 6-digit code, when asked for. */
  code?: string;
  expiresAt: Date;
}

/** What a one-time token is issued with. */
export interface OneTimeTokenRequest {
  purpose: AccountFlow;
  userId: string;
  /** Seconds it lives. */
  ttl: number;
  email?: string;
  stamp?: string;
  /** Also make a 6-digit code that works like the token. */
  withCode?: boolean;
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const CODE_SHAPE = /^[0-9]{6}$/;

/** SHA-256, base64url. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/**
 * A fingerprint of the user's stored password hash, for {@link OneTimeTokenRequest.stamp}: a token
 * issued with it is void once the password changes by any means (a reset, a change, the CLI, SQL).
 */
export function passwordStamp(user: object): string {
  return sha256(`password:${(user as AuthUser).passwordHash ?? ''}`);
}

/**
 * The one-time tokens of the mail flows: random, stored as digests, single use (a conditional UPDATE,
 * so of two racing uses exactly one wins), short-lived, bound to a purpose and a user, and voided by a
 * newer token of the same purpose. Internal.
 */
@Injectable()
export class OneTimeTokens {
  private readonly rows: Repository<OneTimeToken>;

  constructor(dataSource: DataSource) {
    this.rows = dataSource.getRepository(OneTimeToken);
  }

  /** Issues a token, voiding the user's live ones of the same purpose. */
  async issue(request: OneTimeTokenRequest): Promise<IssuedOneTimeToken> {
    const now = new Date();
    await this.voidFor(request.userId, [request.purpose], now);
    const id = randomUUID();
    const token = randomBytes(32).toString('base64url');
    const code = request.withCode ? String(randomInt(0, 1_000_000)).padStart(6, '0') : undefined;
    const expiresAt = new Date(now.getTime() + request.ttl * 1000);
    await this.rows.insert({
      id,
      purpose: request.purpose,
      userId: request.userId,
      digest: sha256(token),
      email: request.email ?? null,
      codeDigest: code === undefined ? null : sha256(`${id}:${code}`),
      attempts: 0,
      stamp: request.stamp ?? null,
      expiresAt,
      usedAt: null,
    });
    await this.keepNewest(request.userId, request.purpose, now);
    // Expired and used rows of anyone are of no use: drop some on the way.
    await this.rows.delete({ expiresAt: LessThan(new Date(now.getTime() - 86_400_000)) });
    return { token, code, expiresAt };
  }

  /**
   * Uses a token: it must be of `purpose`, live and unused; it is used up whatever `stillValid` says.
   *
   * @param stillValid a last check of the row (its stamp against the user's current state).
   * @throws InvalidOneTimeTokenException otherwise (one answer for every reason).
   */
  async use(
    purpose: AccountFlow,
    token: unknown,
    stillValid?: (row: OneTimeToken) => boolean | Promise<boolean>,
  ): Promise<OneTimeToken> {
    const row = await this.find(purpose, token);
    if (!row || !(await this.claim(row))) throw new InvalidOneTimeTokenException();
    if (stillValid && !(await stillValid(row))) throw new InvalidOneTimeTokenException();
    return row;
  }

  /**
   * Uses the user's live code of `purpose`. A wrong code counts; at `maxAttempts` wrong ones the code
   * (and its token) are void.
   *
   * @throws InvalidOneTimeTokenException for a wrong, used, expired or voided code.
   */
  async useCode(
    purpose: AccountFlow,
    userId: string | undefined,
    code: string,
    maxAttempts: number,
  ): Promise<OneTimeToken> {
    if (!CODE_SHAPE.test(code)) throw new InvalidOneTimeTokenException();
    const now = new Date();
    const row =
      userId === undefined
        ? null
        : await this.rows.findOne({
            where: { userId, purpose, usedAt: IsNull(), expiresAt: MoreThan(now) },
            order: { createdAt: 'DESC' },
          });
    if (!row || row.codeDigest === null) {
      // The same digest work as a real comparison, so timing does not tell an account apart.
      sha256(`${randomUUID()}:${code}`);
      throw new InvalidOneTimeTokenException();
    }
    // Counted before comparing, in one conditional UPDATE: parallel guesses cannot pass the limit.
    const attempts = this.rows.manager.connection.driver.escape('attempts');
    const counted = await this.rows
      .createQueryBuilder()
      .update(OneTimeToken)
      .set({ attempts: () => `${attempts} + 1` })
      .where({ id: row.id, usedAt: IsNull(), attempts: LessThan(maxAttempts) })
      .execute();
    if (!counted.affected) {
      // Spent (or used): void the row, link included, whichever racing guess spent it.
      await this.rows.update({ id: row.id, usedAt: IsNull() }, { usedAt: now });
      throw new InvalidOneTimeTokenException();
    }
    const expected = Buffer.from(row.codeDigest);
    const given = Buffer.from(sha256(`${row.id}:${code}`));
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      // The count in the table, not the one read above: parallel guesses all read the same one.
      await this.rows.update(
        { id: row.id, usedAt: IsNull(), attempts: MoreThanOrEqual(maxAttempts) },
        { usedAt: now },
      );
      throw new InvalidOneTimeTokenException();
    }
    if (!(await this.claim(row))) throw new InvalidOneTimeTokenException();
    return row;
  }

  /**
   * The live row of a token of `purpose`, without using it up (see {@link OneTimeTokens.claim}), or
   * null for a malformed, unknown, used, voided or expired one.
   */
  async find(purpose: AccountFlow, token: unknown): Promise<OneTimeToken | null> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return null;
    const row = await this.rows.findOneBy({ digest: sha256(token), purpose });
    if (!row || row.usedAt !== null || row.expiresAt.getTime() <= Date.now()) return null;
    return row;
  }

  /** Voids the user's live tokens of these purposes (a password change voids reset tokens). */
  async voidFor(userId: string, purposes: readonly AccountFlow[], now = new Date()): Promise<void> {
    for (const purpose of purposes) {
      await this.rows.update({ userId, purpose, usedAt: IsNull() }, { usedAt: now });
    }
  }

  /**
   * Voids all but the newest live row of the user's `purpose` (the last by creation time, then id).
   * Issues racing for one user each void before the others insert; the last to look sees every row,
   * and nobody voids the last, so exactly one stays live.
   */
  private async keepNewest(userId: string, purpose: AccountFlow, now: Date): Promise<void> {
    const live = await this.rows.find({
      select: { id: true },
      where: { userId, purpose, usedAt: IsNull() },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
    const older = live.slice(1).map((row) => row.id);
    if (older.length) await this.rows.update({ id: In(older), usedAt: IsNull() }, { usedAt: now });
  }

  /** Marks a live row used; false when it was used, voided or expired (or another use won). */
  async claim(row: OneTimeToken): Promise<boolean> {
    const now = new Date();
    if (row.usedAt !== null || row.expiresAt.getTime() <= now.getTime()) return false;
    const result = await this.rows.update(
      { id: row.id, usedAt: IsNull(), expiresAt: MoreThan(now) },
      { usedAt: now },
    );
    return result.affected === 1;
  }
}
