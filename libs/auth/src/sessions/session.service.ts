import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager, In, IsNull, MoreThan, Not, Repository } from 'typeorm';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedSessionOptions } from '../options/session-options.resolver.js';
import { inTransaction, runsOnOneConnection } from '../database/in-transaction.js';
import { InvalidGrantException } from '../errors/auth.exception.js';
import { TokenResponse, TokenService } from '../tokens/token.service.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { UserService } from '../users/user.service.js';
import { AuthSession } from './auth-session.entity.js';
import { RefreshTokenRecord } from './refresh-token.entity.js';
import { RevokedSessionRegistry } from './revoked-session.registry.js';
import { PermissionsClaim } from '../permissions/permissions-claim.js';

/** Where a login came from, recorded on its session. */
export interface SessionClient {
  userAgent?: string;
  ip?: string;
}

/**
 * Why a session ended: `user_deleted` when a refresh found its user gone, `session_limit` when a newer
 * login pushed it out (`maxSessionsPerUser`).
 */
export type SessionEndReason =
  | 'logout'
  | 'password_changed'
  | 'deactivated'
  | 'user_deleted'
  | 'refresh_reuse'
  | 'revoked'
  | 'session_limit';

/** A token pair with its refresh token, and whose it is. */
export interface IssuedTokens extends TokenResponse {
  refresh_token: string;
  /** The stringified user id. */
  userId: string;
  /** The session the pair belongs to. */
  sessionId: string;
}

/**
 * Sessions and their refresh-token families: start at login, rotate on refresh, end on logout or
 * revocation.
 *
 * A refresh token is consumed by one conditional UPDATE (`... WHERE consumedAt IS NULL`), so of any
 * number of concurrent refreshes exactly one wins and names the successor; the others, within
 * `refreshReuseGrace` seconds, receive that same successor (same `jti`), so a client retrying after a
 * lost response is not logged out. Presenting a consumed token after the grace window is treated as
 * theft: the whole session ends, successor included.
 *
 * A refresh reads the user from the database, not from a cache: a user deactivated or deleted, by
 * Portcullis, another process or plain SQL, gets no new pair, and the session ends.
 *
 * With `maxSessionsPerUser`, starting a session ends the user's least recently used live ones past
 * the limit, in the transaction of the insert. On PostgreSQL and MySQL/MariaDB the user's row is
 * locked first (`SELECT ... FOR UPDATE`), so concurrent logins of one user, in any process, take
 * turns and every commit leaves at most the limit. Embedded SQLite has no row locks and no
 * transactions here (see `inTransaction`); starts of one user take turns within the process instead.
 */
@Injectable()
export class SessionService {
  private readonly sessions: Repository<AuthSession>;
  private readonly refreshTokens: Repository<RefreshTokenRecord>;
  /** The last start of each user still running, on drivers without row locks. */
  private readonly startsInProgress = new Map<string, Promise<unknown>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: TokenService,
    private readonly registry: RevokedSessionRegistry,
    @Inject(AUTH_RESOLVED_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly permissionsClaim: PermissionsClaim,
    private readonly users: UserService<object>,
  ) {
    this.sessions = dataSource.getRepository(AuthSession);
    this.refreshTokens = dataSource.getRepository(RefreshTokenRecord);
  }

  /**
   * Starts a session for a user (stringified id) and issues its first token pair. With
   * `maxSessionsPerUser`, the user's least recently used live sessions past the limit end
   * (`session_limit`); the new one is never among them.
   */
  async start(userId: string, client: SessionClient = {}): Promise<IssuedTokens> {
    const limit = this.options.maxSessionsPerUser;
    if (limit === undefined || !runsOnOneConnection(this.dataSource)) {
      return this.startNow(userId, client, limit);
    }
    // No row lock to take turns by: one start per user at a time in this process.
    const previous = this.startsInProgress.get(userId) ?? Promise.resolve();
    const started = previous
      .catch(() => undefined)
      .then(() => this.startNow(userId, client, limit));
    this.startsInProgress.set(userId, started);
    try {
      return await started;
    } finally {
      if (this.startsInProgress.get(userId) === started) this.startsInProgress.delete(userId);
    }
  }

  private async startNow(
    userId: string,
    client: SessionClient,
    limit: number | undefined,
  ): Promise<IssuedTokens> {
    const now = Date.now();
    const nowInSeconds = Math.floor(now / 1000);
    const session = this.sessions.create({
      id: randomUUID(),
      userId,
      lastUsedAt: new Date(now),
      expiresAt: new Date((nowInSeconds + this.options.jwt.refreshTokenTtl) * 1000),
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      ip: client.ip?.slice(0, 64) ?? null,
      revokedAt: null,
      revokedReason: null,
    });
    const refreshTokenId = randomUUID();
    const expiresAt = this.refreshExpiry(nowInSeconds, session);
    // Both rows or neither: a connection lost in between must not leave a session without a token.
    const pushedOut = await inTransaction(this.dataSource, async (manager) => {
      if (limit !== undefined) await this.lockUser(manager, userId);
      await manager.insert(AuthSession, session);
      await manager.insert(RefreshTokenRecord, {
        id: refreshTokenId,
        sessionId: session.id,
        expiresAt: new Date(expiresAt * 1000),
        consumedAt: null,
        successorId: null,
      });
      return limit === undefined ? [] : this.endPastLimit(manager, session, limit, now);
    });
    if (pushedOut.length) this.registry.revoke(pushedOut);
    return this.pair(session, refreshTokenId, expiresAt, nowInSeconds);
  }

  /**
   * Locks the user's row until the transaction ends, so starts of one user take turns; a user row
   * that is gone locks nothing, and the session starts all the same.
   */
  private async lockUser(manager: EntityManager, userId: string): Promise<void> {
    if (runsOnOneConnection(this.dataSource)) return;
    const id = this.users.parseId(userId);
    if (id === undefined) return;
    const repository = manager.withRepository(this.users.repository);
    const primary = repository.metadata.primaryColumns[0];
    await repository
      .createQueryBuilder('user')
      .select(`user.${primary.propertyPath}`)
      .where(`user.${primary.propertyPath} = :id`, { id })
      .setLock('pessimistic_write')
      .getRawMany();
  }

  /**
   * Ends the user's live sessions past `limit`, least recently used first (then oldest), keeping
   * `session`. Returns the ids it ended.
   */
  private async endPastLimit(
    manager: EntityManager,
    session: AuthSession,
    limit: number,
    now: number,
  ): Promise<string[]> {
    const others = await manager.find(AuthSession, {
      select: { id: true },
      where: {
        userId: session.userId,
        revokedAt: IsNull(),
        expiresAt: MoreThan(new Date(now)),
        id: Not(session.id),
      },
      order: { lastUsedAt: 'DESC', createdAt: 'DESC', id: 'DESC' },
      // Read through the locks too: MySQL's REPEATABLE READ would otherwise answer from a snapshot.
      lock: runsOnOneConnection(this.dataSource) ? undefined : { mode: 'pessimistic_write' },
    });
    const ids = others.slice(limit - 1).map((other) => other.id);
    if (ids.length === 0) return [];
    await manager.update(
      AuthSession,
      { id: In(ids), revokedAt: IsNull() },
      { revokedAt: new Date(now), revokedReason: 'session_limit' },
    );
    return ids;
  }

  /**
   * Exchanges a refresh token for a new pair in the same session.
   *
   * @throws InvalidGrantException for a bad, expired, reused or revoked token (reuse also ends the
   * session), or when the session's user is deactivated or deleted (which ends it too).
   */
  async refresh(refreshToken: string): Promise<IssuedTokens> {
    const claims = this.tokens.verifyRefreshToken(refreshToken);
    if (!claims) throw new InvalidGrantException();
    const now = nowSeconds();
    const session = await this.sessions.findOneBy({ id: claims.sid });
    if (
      !session ||
      session.userId !== claims.sub ||
      session.revokedAt !== null ||
      session.expiresAt.getTime() <= now * 1000
    ) {
      throw new InvalidGrantException();
    }
    await this.assertUserMayContinue(session);
    const successorId = randomUUID();
    const expiresAt = this.refreshExpiry(now, session);
    // Claim, successor and last use together: a connection lost half-way must not leave a used-up
    // token naming a successor that was never written (the client could not refresh again).
    const claimed = await inTransaction(this.dataSource, async (manager) => {
      const claim = await manager.update(
        RefreshTokenRecord,
        { id: claims.jti, sessionId: session.id, consumedAt: IsNull() },
        { consumedAt: new Date(now * 1000), successorId },
      );
      if (claim.affected !== 1) return false;
      await manager.insert(RefreshTokenRecord, {
        id: successorId,
        sessionId: session.id,
        expiresAt: new Date(expiresAt * 1000),
        consumedAt: null,
        successorId: null,
      });
      await manager.update(AuthSession, { id: session.id }, { lastUsedAt: new Date() });
      return true;
    });
    if (claimed) return this.pair(session, successorId, expiresAt, now);
    return this.replayWithinGrace(claims.jti, session, now);
  }

  /**
   * Ends the session and refuses the refresh when its user is gone or inactive. Read from the
   * database, not the user cache, so a change made elsewhere (plain SQL, another process) counts.
   */
  private async assertUserMayContinue(session: AuthSession): Promise<void> {
    const id = this.users.parseId(session.userId);
    const user = id === undefined ? null : await this.users.findById(id);
    if (user && (user as AuthUser).isActive !== false) return;
    await this.end(session.id, user ? 'deactivated' : 'user_deleted');
    throw new InvalidGrantException();
  }

  /** A consumed token presented again: the same successor within the grace window, else theft. */
  private async replayWithinGrace(
    tokenId: string,
    session: AuthSession,
    now: number,
  ): Promise<IssuedTokens> {
    const record = await this.refreshTokens.findOneBy({ id: tokenId, sessionId: session.id });
    if (!record?.consumedAt || !record.successorId) throw new InvalidGrantException();
    const consumedAt = Math.floor(record.consumedAt.getTime() / 1000);
    if (now - consumedAt <= this.options.jwt.refreshReuseGrace) {
      const successor = await this.refreshTokens.findOneBy({ id: record.successorId });
      // The winner inserts the successor right after claiming; it may not be visible yet, and its
      // expiry is derived from the same consumption time either way.
      if (successor?.consumedAt) throw new InvalidGrantException();
      return this.pair(
        session,
        record.successorId,
        this.refreshExpiry(consumedAt, session),
        consumedAt,
      );
    }
    await this.end(session.id, 'refresh_reuse');
    throw new InvalidGrantException();
  }

  /** The session of a well-signed, unexpired refresh token (used or not), or undefined. */
  sessionOfRefreshToken(refreshToken: string): string | undefined {
    return this.tokens.verifyRefreshToken(refreshToken)?.sid;
  }

  /** Ends one session; its access and refresh tokens stop working at once. */
  async end(sessionId: string, reason: SessionEndReason): Promise<void> {
    await this.sessions.update(
      { id: sessionId, revokedAt: IsNull() },
      { revokedAt: new Date(), revokedReason: reason },
    );
    this.registry.revoke([sessionId]);
  }

  /**
   * Ends every live session of a user, except `keepSessionId` when given. With `manager` the writes
   * join that transaction; the sessions are refused at once all the same, so a transaction that then
   * fails to commit errs on the side of logging the user out.
   */
  async endAllForUser(
    userId: string,
    reason: SessionEndReason,
    keepSessionId?: string,
    manager?: EntityManager,
  ): Promise<number> {
    const sessions = manager ? manager.withRepository(this.sessions) : this.sessions;
    const live = await sessions.find({
      select: { id: true },
      where: { userId, revokedAt: IsNull() },
    });
    const ids = live.map((session) => session.id).filter((id) => id !== keepSessionId);
    if (ids.length === 0) return 0;
    await sessions.update(
      { id: In(ids), revokedAt: IsNull() },
      { revokedAt: new Date(), revokedReason: reason },
    );
    this.registry.revoke(ids);
    return ids.length;
  }

  /** The live sessions of a user, most recently used first. */
  listActive(userId: string): Promise<AuthSession[]> {
    return this.sessions.find({
      where: { userId, revokedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      order: { lastUsedAt: 'DESC', createdAt: 'DESC' },
    });
  }

  /** One session of a user, or null (also when it belongs to someone else). */
  findForUser(userId: string, sessionId: string): Promise<AuthSession | null> {
    return this.sessions.findOneBy({ id: sessionId, userId });
  }

  private refreshExpiry(fromSeconds: number, session: AuthSession): number {
    const idleEnd = fromSeconds + this.options.jwt.refreshTokenIdleTtl;
    return Math.min(idleEnd, Math.floor(session.expiresAt.getTime() / 1000));
  }

  /** The token pair of a session; the refresh token's lifetime was counted from `issuedAt`. */
  private async pair(
    session: AuthSession,
    refreshTokenId: string,
    expiresAt: number,
    issuedAt: number,
  ): Promise<IssuedTokens> {
    const permissions = await this.permissionsClaim.of(session.userId);
    const access = this.tokens.issueAccessToken(session.userId, session.id, permissions);
    const refreshToken = this.tokens.signRefreshToken(
      {
        sub: session.userId,
        sid: session.id,
        jti: refreshTokenId,
        exp: expiresAt,
      },
      issuedAt,
    );
    return {
      ...access,
      refresh_token: refreshToken,
      userId: session.userId,
      sessionId: session.id,
    };
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
