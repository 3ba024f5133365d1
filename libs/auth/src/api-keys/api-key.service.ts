import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { DataSource, IsNull, MoreThanOrEqual, Repository } from 'typeorm';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedApiKeyOptions } from '../options/api-key-options.resolver.js';
import type { ResolvedSessionOptions } from '../options/session-options.resolver.js';
import type { ResolvedStructuralOptions } from '../options/structural-options.resolver.js';
import {
  AuthServiceUnavailableException,
  InvalidTokenException,
  TokenExpiredException,
} from '../errors/auth.exception.js';
import type { AuthUser } from '../users/auth-user.interface.js';
import { UserCache } from '../users/user-cache.js';
import { UserService } from '../users/user.service.js';
import { ApiKeyFormat } from './api-key-format.js';
import { ApiKey } from './api-key.entity.js';
import { InvalidationBus } from '../redis/invalidation-bus.js';
import { revocationReadDeadline } from '../sessions/revoked-session.registry.js';

/** What a verified API key says about the request: put on `request.authInfo`. */
export interface ApiKeyInfo {
  strategy: 'api-key';
  /** The key's public id. */
  keyId: string;
  /** The key's scopes; empty means the owner's full rights. */
  scopes: string[];
}

/** What `createKey` needs besides the owner. */
export interface NewApiKey {
  label: string;
  scopes?: string[];
  expiresAt?: Date | null;
}

const LAST_USED_WRITE_INTERVAL_MS = 60_000;

/**
 * API keys: created once-shown, stored as an HMAC-SHA-256 digest under a server pepper, found by their
 * public id, compared in constant time, revocable. A key with a bad shape or checksum is refused before
 * any database read; a verified key is cached (bounded, `apiKeys.cache`), so the common path makes no
 * database read either. Revocation evicts it from this process's cache at once, from other processes'
 * through Redis pub/sub when `redis` is configured, and in any case at their next read of recently
 * revoked keys (every `revocationSyncInterval`).
 */
@Injectable()
export class ApiKeyService<TUser extends object = AuthUser>
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger('Portcullis');
  private readonly keys: Repository<ApiKey>;
  /** The key format in use (prefix, checksum). */
  readonly format: ApiKeyFormat;
  private readonly verified: LRUCache<string, ApiKey>;
  /**
   * Keys already checked against a record of {@link ApiKeyService.verified}, by the exact key string,
   * so a key seen before costs a lookup instead of an HMAC. An entry counts only while that same
   * record object is still the cached one: revocation, the cache's TTL and the rule for failing
   * revocation reads apply to it unchanged.
   */
  private readonly checkedKeys: LRUCache<string, ApiKey>;
  private readonly lastUsedWrites: LRUCache<string, number>;
  private timer?: NodeJS.Timeout;
  private lastRevocationRead = Date.now();

  constructor(
    dataSource: DataSource,
    @Inject(AUTH_RESOLVED_OPTIONS)
    private readonly options: ResolvedApiKeyOptions &
      Pick<ResolvedSessionOptions, 'revocationSyncInterval'> &
      Pick<ResolvedStructuralOptions, 'strategies'>,
    private readonly users: UserService<TUser>,
    private readonly userCache: UserCache<TUser>,
    private readonly bus: InvalidationBus,
  ) {
    this.keys = dataSource.getRepository(ApiKey);
    bus.on('api-key', (ids) => ids.forEach((id) => this.verified.delete(id)));
    bus.onResync(() => void this.evictRevoked());
    this.format = new ApiKeyFormat(options.apiKeys.prefix);
    const { cacheMax, cacheTtl } = options.apiKeys;
    this.verified = new LRUCache({ max: cacheMax, ttl: Math.max(cacheTtl, 1) * 1000 });
    this.checkedKeys = new LRUCache({ max: cacheMax });
    this.lastUsedWrites = new LRUCache({ max: cacheMax });
  }

  onApplicationBootstrap(): void {
    if (this.options.apiKeys.peppers.size === 0 && this.options.strategies.includes('api-key')) {
      this.logger.warn(
        'API keys are off: no pepper. Set AUTH_API_KEY_PEPPER (at least 32 bytes) or apiKeys.pepper.',
      );
    }
    const interval = this.options.revocationSyncInterval;
    if (interval > 0 && this.options.apiKeys.cacheTtl > 0) {
      this.timer = setInterval(() => void this.evictRevoked(), interval);
      this.timer.unref();
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Creates a key for a user (stringified id). The returned `key` is the only copy of it anywhere. */
  async createKey(userId: string, input: NewApiKey): Promise<{ key: string; record: ApiKey }> {
    const pepperId = this.options.apiKeys.currentPepperId;
    if (!this.options.apiKeys.peppers.has(pepperId)) {
      throw new AuthServiceUnavailableException(
        'API keys are not configured on this server (no pepper: set AUTH_API_KEY_PEPPER).',
      );
    }
    const { key, id, secret } = this.format.generate();
    const record = this.keys.create({
      id,
      userId,
      label: input.label,
      scopes: input.scopes ?? [],
      digest: this.digest(secret, pepperId),
      pepperId,
      expiresAt: input.expiresAt ?? null,
      lastUsedAt: null,
      revokedAt: null,
    });
    await this.keys.insert(record);
    return { key, record };
  }

  /** A user's keys that are not revoked, newest first. */
  listKeys(userId: string): Promise<ApiKey[]> {
    return this.keys.find({
      where: { userId, revokedAt: IsNull() },
      order: { createdAt: 'DESC', id: 'ASC' },
    });
  }

  /** Revokes one of a user's keys; false when there is no such live key of theirs. */
  async revokeKey(userId: string, keyId: string): Promise<boolean> {
    const result = await this.keys.update(
      { id: keyId, userId, revokedAt: IsNull() },
      { revokedAt: new Date() },
    );
    this.verified.delete(keyId);
    this.bus.publish('api-key', [keyId]);
    return result.affected === 1;
  }

  /** Revokes every key of a user. */
  async revokeAllForUser(userId: string): Promise<void> {
    const live = await this.listKeys(userId);
    await this.keys.update({ userId, revokedAt: IsNull() }, { revokedAt: new Date() });
    for (const key of live) this.verified.delete(key.id);
    this.bus.publish(
      'api-key',
      live.map((key) => key.id),
    );
  }

  /**
   * Turns a presented key into its owner.
   *
   * @throws InvalidTokenException (unknown, wrong, revoked, malformed, inactive owner) or
   * TokenExpiredException.
   */
  async authenticate(candidate: string): Promise<[TUser, ApiKeyInfo]> {
    return this.verifyKey(candidate);
  }

  /**
   * {@link ApiKeyService.authenticate}, answered without a promise when nothing needs a read (a key
   * already checked against its cached record, whose owner is cached), so the guard can let the
   * request through in the same tick. Revocation, expiry and the owner's active state are checked
   * every time. Failures are thrown, possibly synchronously.
   */
  verifyKey(candidate: string): [TUser, ApiKeyInfo] | Promise<[TUser, ApiKeyInfo]> {
    const checked = this.checkedKeys.get(candidate);
    if (checked && this.cachedRecord(checked.id) === checked) return this.ownerOf(checked);
    const parts = this.format.parse(candidate);
    if (!parts) throw new InvalidTokenException('The API key is invalid.');
    return this.lookup(parts.id).then((record) => {
      if (!record || !this.matches(record, parts.secret) || record.revokedAt !== null) {
        throw new InvalidTokenException('The API key is invalid.');
      }
      if (this.verified.peek(record.id) === record) this.checkedKeys.set(candidate, record);
      return this.ownerOf(record);
    });
  }

  /** The owner of a key whose secret matched, once expiry and the owner's state are checked. */
  private ownerOf(record: ApiKey): [TUser, ApiKeyInfo] | Promise<[TUser, ApiKeyInfo]> {
    if (record.expiresAt !== null && record.expiresAt.getTime() <= Date.now()) {
      throw new TokenExpiredException('The API key has expired.');
    }
    const ownerId = this.users.parseId(record.userId);
    if (ownerId === undefined) throw new InvalidTokenException('The API key is invalid.');
    const cached = this.userCache.peek(ownerId);
    if (cached) return this.accept(record, cached);
    return this.userCache.get(ownerId).then((owner) => this.accept(record, owner));
  }

  private accept(record: ApiKey, owner: TUser | null): [TUser, ApiKeyInfo] {
    if (!owner || (owner as AuthUser).isActive === false) {
      throw new InvalidTokenException('The API key is invalid.');
    }
    this.noteUse(record.id);
    return [owner, { strategy: 'api-key', keyId: record.id, scopes: [...record.scopes] }];
  }

  /**
   * The cached record of a key, unless the reads of revoked keys keep failing: then a cached key may
   * have been revoked elsewhere, and the database (which, being down, makes this a 503) is asked instead.
   */
  private cachedRecord(id: string): ApiKey | undefined {
    const interval = this.options.revocationSyncInterval;
    const stale =
      this.timer !== undefined &&
      Date.now() - this.lastRevocationRead > revocationReadDeadline(interval);
    return stale ? undefined : this.verified.get(id);
  }

  private async lookup(id: string): Promise<ApiKey | null> {
    const cached = this.cachedRecord(id);
    if (cached) return cached;
    const record = await this.keys.findOneBy({ id });
    if (record && record.revokedAt === null) this.verified.set(id, record);
    return record;
  }

  private matches(record: ApiKey, secret: string): boolean {
    const pepper = this.options.apiKeys.peppers.get(record.pepperId);
    if (!pepper) return false;
    const expected = Buffer.from(record.digest, 'hex');
    const actual = Buffer.from(this.digest(secret, record.pepperId), 'hex');
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  private digest(secret: string, pepperId: string): string {
    const pepper = this.options.apiKeys.peppers.get(pepperId);
    if (!pepper) throw new Error(`Portcullis: no API key pepper ${pepperId}`);
    return createHmac('sha256', pepper).update(secret).digest('hex');
  }

  /** Writes `lastUsedAt` at most once a minute per key, off the request path. */
  private noteUse(id: string): void {
    const now = Date.now();
    const last = this.lastUsedWrites.get(id);
    if (last !== undefined && now - last < LAST_USED_WRITE_INTERVAL_MS) return;
    this.lastUsedWrites.set(id, now);
    this.keys.update({ id }, { lastUsedAt: new Date(now) }).catch((error: Error) => {
      this.logger.warn(`Could not record an API key's last use: ${error.message}`);
    });
  }

  private async evictRevoked(): Promise<void> {
    const since = new Date(Date.now() - (this.options.apiKeys.cacheTtl + 60) * 1000);
    try {
      const revoked = await this.keys.find({
        select: { id: true },
        where: { revokedAt: MoreThanOrEqual(since) },
      });
      for (const key of revoked) this.verified.delete(key.id);
      this.lastRevocationRead = Date.now();
    } catch (error) {
      this.logger.warn(`Could not read revoked API keys: ${(error as Error).message}`);
    }
  }
}
