import type { ResolvedMailOptions } from '../options/mail-options.resolver.js';
import type { Mailer } from './mailer.js';
import { SmtpMailer, type MailTransport } from './smtp-mailer.js';

/** The mailer `mail.transport` names. Internal. */
export async function createMailer(
  mail: NonNullable<ResolvedMailOptions['mail']>,
): Promise<Mailer> {
  const { transport } = mail;
  if (transport.kind === 'mailer') return transport.mailer;
  if (transport.kind === 'transport') {
    return new SmtpMailer(transport.transport as unknown as MailTransport, mail.from);
  }
  return SmtpMailer.create(transport.settings, mail.from);
}
