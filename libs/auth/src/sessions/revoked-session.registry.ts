import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource, MoreThanOrEqual, Repository } from 'typeorm';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedJwtOptions } from '../options/jwt-options.resolver.js';
import type { ResolvedSessionOptions } from '../options/session-options.resolver.js';
import { AuthServiceUnavailableException } from '../errors/auth.exception.js';
import { AuthSession } from './auth-session.entity.js';
import { InvalidationBus } from '../redis/invalidation-bus.js';

/**
 * How long (ms) a cache of revocations is trusted after its last successful database read, with reads
 * every `interval` ms: five missed reads, and never less than 10 s, so one slow read is no outage.
 * Internal.
 */
export function revocationReadDeadline(interval: number): number {
  return Math.max(5 * interval, 10_000);
}

/**
 * Seconds an ended session is remembered: as long as any access token of it can still verify. Such a
 * token was issued (`iat`) at most one leeway after the session ended (by a clock at most the leeway
 * ahead), lives at most `accessTokenTtl` + leeway (the JWT backend refuses longer ones) and verifies
 * until one leeway past its `exp`; plus a minute for clocks that differ between processes. Internal.
 */
export function revocationWindow(jwt: { accessTokenTtl: number; leeway: number }): number {
  return jwt.accessTokenTtl + 3 * jwt.leeway + 60;
}

/**
 * The ids of recently ended sessions, held in memory so that checking an access token for revocation
 * costs a map lookup, not a database read.
 *
 * Only sessions ended within {@link revocationWindow} matter: older tokens of an ended session have
 * expired anyway, which keeps the set bounded. Sessions ended in this process are added
 * at once; those ended elsewhere arrive through Redis pub/sub within milliseconds when `redis` is
 * configured, and in any case with the next database read, every `revocationSyncInterval` ms (the
 * CLI, or a message lost while Redis was down). If those reads keep failing, the registry cannot vouch for any token and
 * the access-token path answers 503 until the database is back.
 */
@Injectable()
export class RevokedSessionRegistry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Portcullis');
  private readonly sessions: Repository<AuthSession>;
  private revoked = new Map<string, number>();
  private lastSync = 0;
  private timer?: NodeJS.Timeout;
  private syncing?: Promise<void>;

  constructor(
    dataSource: DataSource,
    @Inject(AUTH_RESOLVED_OPTIONS)
    private readonly options: Pick<ResolvedSessionOptions, 'revocationSyncInterval'> &
      ResolvedJwtOptions,
    private readonly bus: InvalidationBus,
  ) {
    this.sessions = dataSource.getRepository(AuthSession);
    bus.on('session', (ids) => this.markRevoked(ids));
    bus.onResync(() => void this.sync().catch(() => undefined));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.sync();
    const interval = this.options.revocationSyncInterval;
    if (interval > 0) {
      this.timer = setInterval(() => void this.sync().catch(() => undefined), interval);
      this.timer.unref();
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * True when the session has ended.
   *
   * @throws AuthServiceUnavailableException when the database has not answered for several intervals.
   */
  isRevoked(sessionId: string): boolean {
    const interval = this.options.revocationSyncInterval;
    if (interval > 0 && Date.now() - this.lastSync > revocationReadDeadline(interval)) {
      throw new AuthServiceUnavailableException();
    }
    return this.revoked.has(sessionId);
  }

  /** Records sessions ended by this process, effective immediately, and tells the other processes. */
  revoke(sessionIds: readonly string[]): void {
    this.markRevoked(sessionIds);
    this.bus.publish('session', sessionIds);
  }

  /** Records ended sessions in this process only. */
  markRevoked(sessionIds: readonly string[], at = Date.now()): void {
    for (const id of sessionIds) this.revoked.set(id, at);
  }

  /** Reloads the sessions ended within the window from the database. */
  sync(): Promise<void> {
    this.syncing ??= this.load().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private windowStart(): number {
    return Date.now() - revocationWindow(this.options.jwt) * 1000;
  }

  private async load(): Promise<void> {
    const since = this.windowStart();
    try {
      const rows = await this.sessions.find({
        select: { id: true, revokedAt: true },
        where: { revokedAt: MoreThanOrEqual(new Date(since)) },
      });
      const next = new Map<string, number>();
      for (const row of rows) next.set(row.id, row.revokedAt?.getTime() ?? Date.now());
      for (const [id, at] of this.revoked) if (at >= since && !next.has(id)) next.set(id, at);
      this.revoked = next;
      this.lastSync = Date.now();
    } catch (error) {
      this.logger.warn(`Could not read ended sessions: ${(error as Error).message}`);
      throw error;
    }
  }
}
