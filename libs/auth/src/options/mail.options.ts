import type { Mailer } from '../mail/mailer.js';
import type { MailTemplates } from '../mail/mail-templates.js';
import type { MailTransport } from '../mail/smtp-mailer.js';

/** The paths of the application's pages that the links in messages open, each under `mail.appUrl`. */
export interface MailLinkPaths {
  /** Where a reset link leads, with `?token=`. @default '/reset-password' */
  resetPassword?: string;
  /** Where a verification link leads, with `?token=`. @default '/verify-email' */
  verifyEmail?: string;
  /** Where a change-of-email confirmation leads, with `?token=`. @default '/confirm-email' */
  confirmEmailChange?: string;
  /** Where a sign-in link leads, with `?token=`. @default '/magic-link' */
  magicLink?: string;
}

/**
 * How Portcullis sends mail, needed by every mail flow (`passwordReset`, `emailVerification`,
 * `emailChange`, `magicLink`).
 *
 * @example
 * ```ts
 * mail: {
 *   transport: process.env.SMTP_URL,              // smtp://user:pass@smtp.example:587
 *   from: 'Notes <no-reply@notes.example>',
 *   appUrl: 'https://notes.example',              // links open https://notes.example/reset-password?token=...
 * }
 * ```
 */
export interface MailOptions {
  /**
   * An SMTP URL (`smtp://`, `smtps://`), nodemailer transport settings, a transport made with
   * `nodemailer.createTransport()` (all three need the nodemailer package), or a {@link Mailer} of
   * your own (`new LogMailer()` in development).
   */
  transport: string | MailTransport | Mailer | Record<string, unknown>;
  /** The sender, e.g. `Notes <no-reply@notes.example>`. */
  from: string;
  /** The application's public base URL (`https://notes.example`); every link starts with it. */
  appUrl: string;
  /** Replaces the messages of some kinds; the others keep `defaultMailTemplates`. */
  templates?: Partial<MailTemplates>;
  /** The pages the links open. */
  links?: MailLinkPaths;
}

/** How long the one-time tokens of the mail flows live, in seconds. */
export interface OneTimeTokenOptions {
  /** A password-reset link. @default 1800 */
  passwordResetTtl?: number;
  /** An email-verification link. @default 259200 */
  emailVerificationTtl?: number;
  /** A change-of-email confirmation link. @default 86400 */
  emailChangeTtl?: number;
  /** A sign-in link and its code. @default 900 */
  magicLinkTtl?: number;
  /** Wrong codes after which a sign-in code (and its link) stops working. @default 5 */
  magicLinkMaxAttempts?: number;
}
