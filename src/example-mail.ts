import { LogMailer, type Mailer } from 'portcullis';

/**
 * What the example app hands Portcullis as `mail.transport`: SMTP_URL when it is set; otherwise a
 * LogMailer that writes each message, links included, to the log, so the two-command start can follow
 * every link. In production a missing SMTP_URL stops the start: the log is no inbox.
 */
export function exampleMailTransport(
  smtpUrl: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | Mailer {
  if (smtpUrl) return smtpUrl;
  if (env.NODE_ENV === 'production') {
    throw new Error(
      'SMTP_URL is not set: with NODE_ENV=production the example app refuses to start without a mail server (SMTP_URL=smtp://user:pass@host:587), since reset, verification and sign-in links would go to the log.',
    );
  }
  return new LogMailer(env);
}
