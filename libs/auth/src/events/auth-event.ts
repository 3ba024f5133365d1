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
  type:
    'login.throttled' | 'registration.throttled' | 'mail.throttled' | 'one_time_token.throttled';
  /** The handle tried, for logins. */
  handle?: string;
  /**
   * Which budget was spent: the handle's, the client address's, or (for `mail.throttled`) the
   * target address's.
   */
  scope: 'handle' | 'address' | 'email';
  /** Seconds until the window passes. */
  retryAfter: number;
}

/** A user's password was changed (and their other sessions ended). */
export interface PasswordChangedEvent extends AuthEventBase {
  type: 'password.changed';
  userId: string;
  /**
   * `self`: the user gave their current password (`POST change-password`); `admin`: it was set without
   * it (`AccountService.setPassword`, the `changepassword` command); `reset`: through a password-reset
   * link (`POST reset`), which ends every session.
   */
  via: 'self' | 'admin' | 'reset';
}

/** A user registered through `POST <prefix>/register`. */
export interface UserRegisteredEvent extends AuthEventBase {
  type: 'user.registered';
  userId: string;
  handle: string;
}

/** Which mail flow an account-flow event comes from. */
export type AccountFlow = 'password_reset' | 'email_verification' | 'email_change' | 'magic_link';

/**
 * A mail flow's message was asked for. Emitted whether or not the address has an account (`userId`
 * tells, for the audit log only: the client's answer does not).
 */
export interface MailRequestedEvent extends AuthEventBase {
  type: 'mail.requested';
  flow: AccountFlow;
  /** The account the message went to, or undefined when the address has none (nothing was sent). */
  userId?: string;
}

/** A message could not be handed to the mailer. The error is logged; the client's answer is unchanged. */
export interface MailFailedEvent extends AuthEventBase {
  type: 'mail.failed';
  flow: AccountFlow;
  userId: string;
}

/** A user's address was verified (through a verification link, or a confirmed change of email). */
export interface EmailVerifiedEvent extends AuthEventBase {
  type: 'email.verified';
  userId: string;
}

/** A user's address was changed after the new address confirmed it. */
export interface EmailChangedEvent extends AuthEventBase {
  type: 'email.changed';
  userId: string;
}

/** A user signed in through a sign-in link or code. */
export interface MagicLinkLoginEvent extends AuthEventBase {
  type: 'login.magic_link';
  userId: string;
  /** `link` for the token, `code` for the 6-digit code. */
  via: 'link' | 'code';
}

/**
 * A one-time token or code was refused (unknown, used, expired, voided, or a wrong code). Never
 * carries the token.
 */
export interface OneTimeTokenRejectedEvent extends AuthEventBase {
  type: 'one_time_token.rejected';
  flow: AccountFlow;
  /** Known when a code was tried against an account's live code. */
  userId?: string;
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
  | UserRegisteredEvent
  | MailRequestedEvent
  | MailFailedEvent
  | EmailVerifiedEvent
  | EmailChangedEvent
  | MagicLinkLoginEvent
  | OneTimeTokenRejectedEvent;

/** A function that receives {@link AuthEvent}s. */
export type AuthEventListener = (event: AuthEvent) => void | Promise<void>;
