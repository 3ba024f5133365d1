import { Mailer } from '../mail/mailer.js';
import { defaultMailTemplates, type MailTemplates } from '../mail/mail-templates.js';
import type { AuthModuleOptions } from './auth.options.js';
import { AUTH_DEFAULTS } from './auth-defaults.js';
import type { MailLinkPaths } from './mail.options.js';
import { positiveInteger } from './option-checks.js';
import type { ResolvedStructuralOptions } from './structural-options.resolver.js';

/** What `mail.transport` turns into: a mailer, or what nodemailer makes one from. Internal. */
export type ResolvedMailTransport =
  | { kind: 'mailer'; mailer: Mailer }
  | { kind: 'nodemailer'; settings: string | object }
  | { kind: 'transport'; transport: { sendMail: (...args: never[]) => Promise<unknown> } };

/** The mail section of the resolved options. Internal. */
export interface ResolvedMailOptions {
  /** `null` when no mail flow is on and no `mail` was given. */
  mail: {
    transport: ResolvedMailTransport;
    from: string;
    /** Without a trailing slash. */
    appUrl: string;
    templates: MailTemplates;
    links: Required<MailLinkPaths>;
  } | null;
  /** Lifetimes in seconds. */
  oneTimeTokens: {
    passwordResetTtl: number;
    emailVerificationTtl: number;
    emailChangeTtl: number;
    magicLinkTtl: number;
    magicLinkMaxAttempts: number;
  };
  requireVerifiedEmail: boolean;
}

/** The mail flows that are on, by option name. */
export function mailFlowsOn(structural: ResolvedStructuralOptions): string[] {
  return Object.entries(structural.accountFlows)
    .filter(([, on]) => on)
    .map(([name]) => name);
}

/** Applies defaults to `mail`, `oneTimeTokens` and `requireVerifiedEmail`; problems go to `problems`. */
export function resolveMailOptions(
  problems: string[],
  input: AuthModuleOptions,
  structural: ResolvedStructuralOptions,
): ResolvedMailOptions {
  const flows = mailFlowsOn(structural);
  const requireVerifiedEmail = input.requireVerifiedEmail ?? AUTH_DEFAULTS.requireVerifiedEmail;
  if (typeof requireVerifiedEmail !== 'boolean') {
    problems.push('requireVerifiedEmail must be true or false.');
  } else if (requireVerifiedEmail && !structural.accountFlows.emailVerification) {
    problems.push(
      'requireVerifiedEmail needs emailVerification: true (beside userEntity and routes), or nobody could verify an address.',
    );
  }
  const given = input.oneTimeTokens ?? {};
  const defaults = AUTH_DEFAULTS.oneTimeTokens;
  const ttl = (name: keyof typeof defaults) =>
    positiveInteger(problems, `oneTimeTokens.${name}`, given[name], defaults[name]);
  return {
    mail: mailSettings(problems, input.mail, flows),
    oneTimeTokens: {
      passwordResetTtl: ttl('passwordResetTtl'),
      emailVerificationTtl: ttl('emailVerificationTtl'),
      emailChangeTtl: ttl('emailChangeTtl'),
      magicLinkTtl: ttl('magicLinkTtl'),
      magicLinkMaxAttempts: ttl('magicLinkMaxAttempts'),
    },
    requireVerifiedEmail: requireVerifiedEmail === true,
  };
}

function mailSettings(
  problems: string[],
  mail: AuthModuleOptions['mail'],
  flows: string[],
): ResolvedMailOptions['mail'] {
  if (mail === undefined) {
    if (flows.length) {
      problems.push(
        `${flows.join(', ')} send mail: give mail: { transport, from, appUrl } (an SMTP URL, or new LogMailer() in development).`,
      );
    }
    return null;
  }
  if (typeof mail !== 'object' || mail === null) {
    problems.push('mail must be { transport, from, appUrl }.');
    return null;
  }
  const transport = transportOf(problems, mail.transport);
  if (typeof mail.from !== 'string' || mail.from.trim().length === 0) {
    problems.push('mail.from must be the sender, e.g. "Notes <no-reply@notes.example>".');
  }
  const appUrl = baseUrl(problems, mail.appUrl);
  const templates: MailTemplates = { ...defaultMailTemplates };
  for (const [kind, template] of Object.entries(mail.templates ?? {})) {
    // Own keys only: `in` would take `toString` or `constructor` for a kind and drop the template.
    if (!Object.hasOwn(defaultMailTemplates, kind)) {
      problems.push(
        `mail.templates: unknown message kind ${JSON.stringify(kind)}; the kinds are ${Object.keys(defaultMailTemplates).join(', ')}.`,
      );
    } else if (typeof template !== 'function') {
      problems.push(
        `mail.templates.${kind} must be a function (context) => { subject, text, html }.`,
      );
    } else {
      templates[kind as keyof MailTemplates] = template;
    }
  }
  const links = { ...AUTH_DEFAULTS.mail.links };
  for (const [name, path] of Object.entries(mail.links ?? {})) {
    if (!Object.hasOwn(links, name)) {
      problems.push(`mail.links: unknown link ${JSON.stringify(name)}.`);
    } else if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) {
      problems.push(`mail.links.${name} must be a path such as "/reset-password".`);
    } else {
      links[name as keyof typeof links] = path;
    }
  }
  if (!transport || !appUrl) return null;
  return { transport, from: mail.from, appUrl, templates, links };
}

function transportOf(problems: string[], transport: unknown): ResolvedMailTransport | undefined {
  if (transport instanceof Mailer) return { kind: 'mailer', mailer: transport };
  if (typeof transport === 'string') {
    if (!/^smtps?:\/\//.test(transport)) {
      problems.push('mail.transport as a string must be an SMTP URL (smtp://... or smtps://...).');
      return undefined;
    }
    return { kind: 'nodemailer', settings: transport };
  }
  if (typeof transport === 'object' && transport !== null) {
    const sendMail = (transport as { sendMail?: unknown }).sendMail;
    if (typeof sendMail === 'function') {
      return {
        kind: 'transport',
        transport: transport as { sendMail: (...args: never[]) => Promise<unknown> },
      };
    }
    return { kind: 'nodemailer', settings: transport };
  }
  problems.push(
    'mail.transport must be an SMTP URL, nodemailer transport settings, a nodemailer transport or a Mailer.',
  );
  return undefined;
}

function baseUrl(problems: string[], appUrl: unknown): string | undefined {
  if (typeof appUrl === 'string') {
    try {
      const url = new URL(appUrl);
      if ((url.protocol === 'http:' || url.protocol === 'https:') && !url.search && !url.hash) {
        return url.href.replace(/\/+$/, '');
      }
    } catch {
      // reported below
    }
  }
  problems.push(
    'mail.appUrl must be the absolute http(s) URL the app is reached at, e.g. "https://notes.example".',
  );
  return undefined;
}
