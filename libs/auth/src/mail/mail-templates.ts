import type { MailKind } from './mailer.js';

/** What a template is given to write one message. */
export interface MailTemplateContext {
  /** Which message is being written. */
  kind: MailKind;
  /** The recipient's account as `toPublic` shows it (no password hash). */
  user: Readonly<Record<string, unknown>>;
  /** The account's login handle. */
  handle: string;
  /** The address the message goes to. */
  to: string;
  /** The link to follow (absent in `email_change_notice` and `email_change_taken`). */
  link?: string;
  /** For `magic_link`: the 6-digit code that signs in like the link. */
  code?: string;
  /** When the link (and code) stop working. */
  expiresAt?: Date;
  /** The same, in whole minutes from sending. */
  expiresInMinutes?: number;
  /** For the email-change messages: the address the account is moving to. */
  newEmail?: string;
  /** `mail.appUrl`, the application's public base URL. */
  appUrl: string;
}

/** A written message: subject, plain text and HTML. */
export interface RenderedMail {
  /** The subject line. */
  subject: string;
  /** The plain-text body. */
  text: string;
  /** The HTML body; values from the context must be escaped (see {@link escapeMailHtml}). */
  html: string;
}

/** Writes one kind of message. */
export type MailTemplate = (context: MailTemplateContext) => RenderedMail | Promise<RenderedMail>;

/** A template for every kind of message. */
export type MailTemplates = Record<MailKind, MailTemplate>;

/** Escapes text for HTML element content and attribute values. */
export function escapeMailHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function expiry(context: MailTemplateContext): string {
  const minutes = context.expiresInMinutes;
  if (minutes === undefined) return '';
  if (minutes >= 120 && minutes % 60 === 0) return `It works for ${minutes / 60} hours, once.`;
  return `It works for ${minutes} minutes, once.`;
}

function written(
  subject: string,
  paragraphs: string[],
  link?: { href: string; label: string },
): RenderedMail {
  const text = [...paragraphs, ...(link ? [link.href] : [])].filter(Boolean).join('\n\n');
  const html = [
    ...paragraphs.filter(Boolean).map((p) => `<p>${escapeMailHtml(p)}</p>`),
    ...(link
      ? [`<p><a href="${escapeMailHtml(link.href)}">${escapeMailHtml(link.label)}</a></p>`]
      : []),
  ].join('\n');
  return {
    subject,
    text: `${text}\n`,
    html: `<!doctype html>\n<html><body>\n${html}\n</body></html>\n`,
  };
}

/**
 * The messages Portcullis sends unless `mail.templates` replaces some: short plain text with the link
 * on a line of its own, and the same as simple HTML. Replace one kind and keep the others:
 *
 * @example
 * ```ts
 * mail: {
 *   ...,
 *   templates: {
 *     password_reset: (c) => ({ subject: 'Reset your Notes password', text: `Hi ${c.handle}: ${c.link}`, html: renderResetPage(c) }),
 *   },
 * }
 * ```
 */
export const defaultMailTemplates: MailTemplates = {
  password_reset: (c) =>
    written(
      'Reset your password',
      [
        `Hello ${c.handle},`,
        'Someone asked to reset the password of your account. If it was you, open this link to choose a new one. If not, ignore this message: your password stays as it is.',
        expiry(c),
      ],
      c.link ? { href: c.link, label: 'Choose a new password' } : undefined,
    ),
  email_verification: (c) =>
    written(
      'Confirm your email address',
      [`Hello ${c.handle},`, `Open this link to confirm that ${c.to} is your address.`, expiry(c)],
      c.link ? { href: c.link, label: 'Confirm my address' } : undefined,
    ),
  email_change_confirmation: (c) =>
    written(
      'Confirm your new email address',
      [
        `Hello ${c.handle},`,
        `Open this link to make ${c.to} the address of your account. Until you do, nothing changes.`,
        expiry(c),
      ],
      c.link ? { href: c.link, label: 'Use this address' } : undefined,
    ),
  email_change_taken: (c) =>
    written('Your email address was not changed', [
      `Someone asked to move an account to ${c.to}, but that address already belongs to an account here, so nothing changed.`,
      'If that was you, sign in with this address instead, or reset its password if you forgot it.',
    ]),
  email_change_notice: (c) =>
    written('A change of your email address was requested', [
      `Hello ${c.handle},`,
      `Someone signed in to your account asked to change its address to ${c.newEmail ?? 'another address'}. The change happens only when the new address confirms it.`,
      'If this was not you, change your password now and end your other sessions.',
    ]),
  magic_link: (c) =>
    written(
      'Your sign-in link',
      [
        `Hello ${c.handle},`,
        `Open this link to sign in${c.code ? `, or enter the code ${c.code}` : ''}.`,
        expiry(c),
        'If you did not ask for it, ignore this message.',
      ],
      c.link ? { href: c.link, label: 'Sign in' } : undefined,
    ),
};
