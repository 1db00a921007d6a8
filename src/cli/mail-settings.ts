import { readFileSync } from 'node:fs';
import type { MailSettings } from '../server.js';
import { smtpProblem } from '../mail/smtp.js';
import { CliError } from './output.js';

/*
 * The mail settings of `tessera serve` (docs/configuration.md): each a flag, an environment variable
 * and a key under `mail:` in the config file, read by serve-settings.ts like the others. The URL holds
 * the mail server's password: TESSERA_SMTP_URL_FILE reads it from a file (secret-files.ts).
 */

export interface MailSetting {
  flag: string;
  env: string;
  key: string;
  description: string;
  /** The name of the flag's value; null for a switch. */
  arg: string | null;
}

type Name = 'url' | 'from' | 'allowPlain' | 'caFile';

/** Off unless a URL is given. */
export const MAIL_SETTINGS: Record<Name, MailSetting> = {
  url: { flag: '--smtp-url', env: 'TESSERA_SMTP_URL', key: 'mail.smtpUrl', arg: 'url', description: 'send email (password reset) through this server: smtps://user:password@host:465, or smtp://…:587 with STARTTLS (or TESSERA_SMTP_URL_FILE)' },
  from: { flag: '--smtp-from', env: 'TESSERA_SMTP_FROM', key: 'mail.from', arg: 'address', description: 'the From of every email, "Name <address@example.com>" (required with --smtp-url)' },
  allowPlain: { flag: '--smtp-allow-plain', env: 'TESSERA_SMTP_ALLOW_PLAIN', key: 'mail.allowPlain', arg: null, description: 'let smtp:// go on without STARTTLS (a relay on this machine); mail and passwords then travel unencrypted' },
  caFile: { flag: '--smtp-ca-file', env: 'TESSERA_SMTP_CA_FILE', key: 'mail.caFile', arg: 'file', description: 'PEM certificates to trust for the mail server (besides the system ones)' },
};

type Given = { value: unknown; source: string } | undefined;

const shown = (value: unknown) => (typeof value === 'string' ? `'${value}'` : JSON.stringify(value));

function text(given: Given): string | undefined {
  if (given === undefined) return undefined;
  if (typeof given.value !== 'string' || given.value.trim() === '') throw new CliError(`${given.source} must be a non-empty string, not ${shown(given.value)}`);
  return given.value.trim();
}

/**
 * The mail settings, or undefined when no URL is given (mail is off, and so is password reset).
 * Options without a URL are refused, so a forgotten URL is noticed; wrong values fail in one line
 * that never shows the URL's password.
 */
export function mailSettings(given: (name: Name) => Given): MailSettings | undefined {
  const urlGiven = given('url');
  const url = text(urlGiven);
  if (url === undefined) {
    for (const name of ['from', 'allowPlain', 'caFile'] as const) {
      const orphan = given(name);
      if (orphan) throw new CliError(`${orphan.source} is set, but --smtp-url (TESSERA_SMTP_URL, TESSERA_SMTP_URL_FILE) is not`);
    }
    return undefined;
  }
  const from = text(given('from'));
  if (from === undefined) throw new CliError('--smtp-url needs --smtp-from "Name <address@example.com>" (or TESSERA_SMTP_FROM): the From of every email');
  const plain = given('allowPlain');
  let allowPlain = false;
  if (plain !== undefined) {
    if (plain.value === true || plain.value === 'true') allowPlain = true;
    else if (plain.value !== false && plain.value !== 'false') throw new CliError(`${plain.source} must be true or false, not ${shown(plain.value)}`);
  }
  const caGiven = given('caFile');
  const caPath = text(caGiven);
  let ca: string | undefined;
  if (caPath !== undefined) {
    try {
      ca = readFileSync(caPath, 'utf8');
    } catch (e) {
      throw new CliError(`${caGiven!.source}: cannot read the CA file ${caPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const settings: MailSettings = { url, from, allowPlain, ...(ca !== undefined ? { ca } : {}) };
  const problem = smtpProblem(settings);
  // The message names where the URL came from, never the URL itself (it holds a password).
  if (problem) throw new CliError(`${urlGiven!.source}: ${problem}`);
  return settings;
}
