import { Inject, Injectable, type Type } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type {
  DataSource as DataSourceType,
  EntitySubscriberInterface,
  RemoveEvent,
  UpdateEvent,
} from 'typeorm';
import { DataSource } from 'typeorm';
import { AUTH_USER_ENTITY } from '../auth.constants.js';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedUserOptions } from '../options/user-options.resolver.js';
import type { AuthUser } from './auth-user.interface.js';
import { UserId, UserService } from './user.service.js';
import { InvalidationBus } from '../redis/invalidation-bus.js';

/**
 * A bounded, short-lived cache of users (without password hashes) for the access-token path, so a
 * request with a good token makes no database read. Writes through TypeORM in this process (including
 * `repository.update()` and Portcullis' own) invalidate it at once, and with `redis` in the app's other
 * processes too; `userCache.ttl` bounds staleness for writes it cannot see (raw SQL, the CLI without
 * Redis, a lost message). Each caller gets its own copy, so a handler that mutates
 * `@CurrentUser()` changes nothing for other requests.
 */
@Injectable()
export class UserCache<
  TUser extends object = AuthUser,
> implements EntitySubscriberInterface<TUser> {
  private readonly cache: LRUCache<string, TUser>;
  private readonly enabled: boolean;

  constructor(
    @Inject(DataSource) dataSource: DataSourceType,
    @Inject(AUTH_USER_ENTITY) private readonly userEntity: Type<TUser>,
    @Inject(AUTH_RESOLVED_OPTIONS) options: Pick<ResolvedUserOptions, 'userCache'>,
    private readonly users: UserService<TUser>,
    private readonly bus: InvalidationBus,
  ) {
    bus.on('user', (ids) => {
      if (ids.includes('*')) this.cache.clear();
      for (const id of ids) this.cache.delete(id);
    });
    bus.onResync(() => this.cache.clear());
    const { max, ttl } = options.userCache;
    this.enabled = ttl > 0;
    this.cache = new LRUCache<string, TUser>({ max, ttl: Math.max(ttl, 1) * 1000 });
    dataSource.subscribers.push(this as EntitySubscriberInterface);
  }

  /** The user with this id (a copy), from the cache or the database; null when there is none. */
  async get(id: UserId): Promise<TUser | null> {
    const cached = this.peek(id);
    if (cached) return cached;
    const loaded = await this.users.findById(id);
    if (!loaded) return null;
    if (this.enabled) this.cache.set(String(id), loaded);
    return copyOf(loaded);
  }

  /**
   * The user with this id (a copy) when it is cached, else undefined; never reads the database. Lets
   * the access-token path answer a request without waiting on a promise when nothing needs a read.
   */
  peek(id: UserId): TUser | undefined {
    const user = this.enabled ? this.cache.get(String(id)) : undefined;
    return user && copyOf(user);
  }

  /** Forgets one user, here and (with `redis`) in the app's other processes. */
  invalidate(id: UserId): void {
    this.cache.delete(String(id));
    this.bus.publish('user', [String(id)]);
  }

  /** Forgets everyone, here and (with `redis`) in the app's other processes. */
  clear(): void {
    this.cache.clear();
    this.bus.publish('user', ['*']);
  }

  /** TypeORM subscriber: only the user entity. */
  listenTo(): Type<TUser> {
    return this.userEntity;
  }

  /** TypeORM subscriber: a saved or updated user is forgotten (everyone, when the row is unknown). */
  afterUpdate(event: UpdateEvent<TUser>): void {
    const ofChangeSet = event.entity ? this.users.userOfChangeSet(event.entity) : undefined;
    if (ofChangeSet !== undefined) this.invalidate(ofChangeSet);
    else this.forget(event.databaseEntity ?? event.entity);
  }

  /** TypeORM subscriber: a removed user is forgotten. */
  afterRemove(event: RemoveEvent<TUser>): void {
    this.forget(event.databaseEntity ?? event.entity ?? undefined, event.entityId);
  }

  /** TypeORM subscriber: a soft-removed user is forgotten. */
  afterSoftRemove(event: RemoveEvent<TUser>): void {
    this.afterRemove(event);
  }

  private forget(entity: object | undefined, entityId?: unknown): void {
    const id = entity ? this.users.idFromEntity(entity) : undefined;
    if (id !== undefined) this.invalidate(id);
    else if (entityId !== undefined && typeof entityId !== 'object')
      this.invalidate(String(entityId));
    else this.clear();
  }
}

/** A shallow copy with the same prototype, so a caller's changes never reach the cached user. */
function copyOf<T extends object>(user: T): T {
  return Object.assign(Object.create(Object.getPrototypeOf(user) as object) as T, user);
}
