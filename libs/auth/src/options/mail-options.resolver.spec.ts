import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { LogMailer } from '../mail/log-mailer.js';
import { defaultMailTemplates, type MailTemplate } from '../mail/mail-templates.js';
import type { AuthModuleOptions, AuthModuleStructuralOptions } from './auth.options.js';
import { AUTH_DEFAULTS } from './auth-defaults.js';
import { resolveMailOptions } from './mail-options.resolver.js';
import { resolveStructuralOptions } from './structural-options.resolver.js';

const MAIL = {
  transport: 'smtp://127.0.0.1:2525',
  from: 'Notes <n@notes.test>',
  appUrl: 'https://notes.test',
};

function resolve(
  input: AuthModuleOptions,
  flows: AuthModuleStructuralOptions = { magicLink: true },
) {
  const problems: string[] = [];
  const structural = resolveStructuralOptions({ routes: true, ...flows });
  return { resolved: resolveMailOptions(problems, input, structural), problems };
}

describe('resolveMailOptions', () => {
  it('needs no mail while no flow is on, and names the flows that need it', () => {
    expect(resolve({}, {})).toMatchObject({ problems: [], resolved: { mail: null } });
    const { problems } = resolve({}, { magicLink: true, passwordReset: true });
    expect(problems).toEqual([expect.stringMatching(/^passwordReset, magicLink send mail/)]);
  });

  it('applies the defaults: every template, the link paths and the lifetimes', () => {
    const { resolved, problems } = resolve({ mail: MAIL });
    expect(problems).toEqual([]);
    expect(resolved.mail).toEqual({
      transport: { kind: 'nodemailer', settings: MAIL.transport },
      from: MAIL.from,
      appUrl: 'https://notes.test',
      templates: defaultMailTemplates,
      links: AUTH_DEFAULTS.mail.links,
    });
    expect(resolved.oneTimeTokens).toEqual(AUTH_DEFAULTS.oneTimeTokens);
    expect(resolved.requireVerifiedEmail).toBe(false);
  });

  it('keeps a path in appUrl and drops its trailing slashes', () => {
    for (const [given, kept] of [
      ['https://notes.test/', 'https://notes.test'],
      ['https://notes.test/app/', 'https://notes.test/app'],
      ['http://localhost:3000', 'http://localhost:3000'],
    ]) {
      expect(resolve({ mail: { ...MAIL, appUrl: given } }).resolved.mail?.appUrl).toBe(kept);
    }
  });

  it('refuses an appUrl that is not an absolute http(s) URL without query or fragment', () => {
    for (const appUrl of [
      'notes.test',
      '/app',
      'ftp://notes.test',
      'https://n.test/?a=1',
      'https://n.test/#x',
      42,
    ]) {
      const { problems, resolved } = resolve({ mail: { ...MAIL, appUrl: appUrl as string } });
      expect(problems, String(appUrl)).toEqual([expect.stringMatching(/^mail\.appUrl must be/)]);
      expect(resolved.mail).toBeNull();
    }
  });

  it('tells the transports apart: SMTP URL, nodemailer settings, a transport, a Mailer', () => {
    const transport = { sendMail: async () => undefined };
    const mailer = new LogMailer({ NODE_ENV: 'test' });
    const kind = (value: unknown) =>
      resolve({ mail: { ...MAIL, transport: value as string } }).resolved.mail?.transport.kind;
    expect(kind('smtps://u:p@smtp.test:465')).toBe('nodemailer');
    expect(kind({ host: 'smtp.test', port: 587 })).toBe('nodemailer');
    expect(kind(transport)).toBe('transport');
    expect(kind(mailer)).toBe('mailer');
    for (const bad of ['http://smtp.test', 'smtp.test', 42, undefined]) {
      const { problems } = resolve({ mail: { ...MAIL, transport: bad as string } });
      expect(problems, String(bad)).toEqual([expect.stringMatching(/^mail\.transport/)]);
    }
  });

  it('replaces one template kind and keeps the others', () => {
    const magic: MailTemplate = () => ({ subject: 's', text: 't', html: 'h' });
    const { resolved, problems } = resolve({ mail: { ...MAIL, templates: { magic_link: magic } } });
    expect(problems).toEqual([]);
    expect(resolved.mail?.templates.magic_link).toBe(magic);
    expect(resolved.mail?.templates.password_reset).toBe(defaultMailTemplates.password_reset);
  });

  it('names unknown template kinds and links, inherited Object keys included', () => {
    for (const kind of ['magic-link', 'toString', 'constructor', 'hasOwnProperty']) {
      const { problems } = resolve({
        mail: { ...MAIL, templates: { [kind]: () => ({ subject: '', text: '', html: '' }) } },
      });
      expect(problems, kind).toEqual([
        expect.stringContaining(`mail.templates: unknown message kind "${kind}"`),
      ]);
    }
    const notAFunction = resolve({ mail: { ...MAIL, templates: { magic_link: 'x' as never } } });
    expect(notAFunction.problems).toEqual([
      expect.stringMatching(/^mail\.templates\.magic_link must be a function/),
    ]);
    for (const name of ['signIn', 'toString']) {
      const { problems } = resolve({ mail: { ...MAIL, links: { [name]: '/x' } } });
      expect(problems, name).toEqual([`mail.links: unknown link "${name}".`]);
    }
    for (const path of ['magic', '//evil.test/x', 'https://evil.test/']) {
      const { problems } = resolve({ mail: { ...MAIL, links: { magicLink: path } } });
      expect(problems, path).toEqual([
        expect.stringMatching(/^mail\.links\.magicLink must be a path/),
      ]);
    }
  });

  it('refuses a missing sender, and lists every problem at once', () => {
    const { problems } = resolve({
      mail: {
        transport: 'ftp://x',
        from: ' ',
        appUrl: 'x',
        templates: { nope: () => ({}) },
      } as never,
    });
    expect(problems).toHaveLength(4);
  });

  it('checks the lifetimes and requireVerifiedEmail', () => {
    expect(
      resolve({ mail: MAIL, oneTimeTokens: { magicLinkTtl: 0, magicLinkMaxAttempts: 1.5 } })
        .problems,
    ).toEqual([
      expect.stringContaining('oneTimeTokens.magicLinkTtl'),
      expect.stringContaining('oneTimeTokens.magicLinkMaxAttempts'),
    ]);
    expect(resolve({ mail: MAIL, requireVerifiedEmail: true }).problems).toEqual([
      expect.stringMatching(/^requireVerifiedEmail needs emailVerification: true/),
    ]);
    const verified = resolve(
      { mail: MAIL, requireVerifiedEmail: true },
      { emailVerification: true },
    );
    expect(verified.problems).toEqual([]);
    expect(verified.resolved.requireVerifiedEmail).toBe(true);
  });
});
