import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUTH_RESOLVED_OPTIONS } from '../auth.internal-constants.js';
import type { ResolvedEventOptions } from '../options/event-options.resolver.js';
import type { AuthEvent, AuthEventListener } from './auth-event.js';

/** An event as emitted, before the time is stamped on it. */
export type AuthEventInput = AuthEvent extends infer E
  ? E extends AuthEvent
    ? Omit<E, 'at'>
    : never
  : never;

/**
 * Delivers {@link AuthEvent}s (logins, failures, throttling, password changes, registrations) to the
 * `onAuthEvent` option and to listeners subscribed here, for auditing and alerting.
 *
 * Listeners run after the outcome is decided and never change it: a listener that throws or rejects is
 * logged and otherwise ignored, and the request does not wait for a returned promise.
 *
 * @example
 * ```ts
 * @Injectable()
 * export class AuditLog implements OnModuleInit {
 *   constructor(private readonly events: AuthEvents) {}
 *   onModuleInit() {
 *     this.events.subscribe((event) => console.log(event.type, event.address));
 *   }
 * }
 * ```
 */
@Injectable()
export class AuthEvents {
  private readonly logger = new Logger('Portcullis');
  private readonly listeners = new Set<AuthEventListener>();

  constructor(@Inject(AUTH_RESOLVED_OPTIONS) options: ResolvedEventOptions) {
    if (options.onAuthEvent) this.listeners.add(options.onAuthEvent);
  }

  /** Adds a listener; the returned function removes it. */
  subscribe(listener: AuthEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stamps the time on an event and hands it to every listener. */
  emit(event: AuthEventInput): void {
    if (this.listeners.size === 0) return;
    const stamped = { ...event, at: new Date() } as AuthEvent;
    for (const listener of this.listeners) {
      try {
        const result = listener(stamped);
        if (result && typeof result.then === 'function') {
          result.then(undefined, (error: unknown) => this.report(stamped, error));
        }
      } catch (error) {
        this.report(stamped, error);
      }
    }
  }

  private report(event: AuthEvent, error: unknown): void {
    this.logger.error(
      `An auth event listener failed on ${event.type}: ${(error as Error)?.message ?? String(error)}`,
    );
  }
}
