/** How a login was attempted. */
export type LoginMethod = 'password' | 'basic' | 'browser';

interface AuthEventBase {
  /** When it happened. */
  at: Date;
  /** The client address (see the `trustProxy` option), when the event came from a request. */
  address?: string;
}

/** A login succeeded. */
export interface LoginSucceededEvent extends AuthEventBase {
  type: 'login.succeeded';
  /** The user's id, stringified. */
  userId: string;
  /** The login handle as normalised. */
  handle: string;
  method: LoginMethod;
}

/** A login failed. Never carries the password. */
export interface LoginFailedEvent extends AuthEventBase {
  type: 'login.failed';
  /** The handle tried, as normalised; it may name no account. */
  handle: string;
  /** The error code the client was answered with (`invalid_credentials`). */
  reason: string;
  method: LoginMethod;
}

/** A login or registration was refused with 429 because its budget is spent. */
export interface ThrottledEvent extends AuthEventBase {
  type: 'login.throttled' | 'registration.throttled';
  /** The handle tried, for logins. */
  handle?: string;
  /** Which budget was spent: the handle's or the client address's. */
  scope: 'handle' | 'address';
  /** Seconds until the window passes. */
  retryAfter: number;
}

/** A user's password was changed (and their other sessions ended). */
export interface PasswordChangedEvent extends AuthEventBase {
  type: 'password.changed';
  userId: string;
  /**
   * `self`: the user gave their current password (`POST change-password`); `admin`: it was set without
   * it (`AccountService.setPassword`, the `changepassword` command).
   */
  via: 'self' | 'admin';
}

/** A user registered through `POST <prefix>/register`. */
export interface UserRegisteredEvent extends AuthEventBase {
  type: 'user.registered';
  userId: string;
  handle: string;
}

/**
 * Everything Portcullis reports to {@link AuthEvents} listeners and the `onAuthEvent` option, told
 * apart by `type`.
 *
 * @example
 * ```ts
 * AuthModule.forRoot({
 *   onAuthEvent: (event) => {
 *     if (event.type === 'login.throttled') alerts.notify(`throttled ${event.scope} ${event.address}`);
 *   },
 * })
 * ```
 */
export type AuthEvent =
  | LoginSucceededEvent
  | LoginFailedEvent
  | ThrottledEvent
  | PasswordChangedEvent
  | UserRegisteredEvent;

/** A function that receives {@link AuthEvent}s. */
export type AuthEventListener = (event: AuthEvent) => void | Promise<void>;
