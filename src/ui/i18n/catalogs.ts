import type { Locale } from '../../core/locale.js';
import enAccount from '../locales/en/account.json' with { type: 'json' };
import enBranding from '../locales/en/branding.json' with { type: 'json' };
import enCommon from '../locales/en/common.json' with { type: 'json' };
import enConsent from '../locales/en/consent.json' with { type: 'json' };
import enConsole from '../locales/en/console.json' with { type: 'json' };
import enDevice from '../locales/en/device.json' with { type: 'json' };
import enErrors from '../locales/en/errors.json' with { type: 'json' };
import enHome from '../locales/en/home.json' with { type: 'json' };
import enLogin from '../locales/en/login.json' with { type: 'json' };
import enLogout from '../locales/en/logout.json' with { type: 'json' };
import enMail from '../locales/en/mail.json' with { type: 'json' };
import enMfa from '../locales/en/mfa.json' with { type: 'json' };
import enPasskeys from '../locales/en/passkeys.json' with { type: 'json' };
import enReset from '../locales/en/reset.json' with { type: 'json' };
import enSecurity from '../locales/en/security.json' with { type: 'json' };
import enSignup from '../locales/en/signup.json' with { type: 'json' };
import deAccount from '../locales/de/account.json' with { type: 'json' };
import deBranding from '../locales/de/branding.json' with { type: 'json' };
import deCommon from '../locales/de/common.json' with { type: 'json' };
import deConsent from '../locales/de/consent.json' with { type: 'json' };
import deConsole from '../locales/de/console.json' with { type: 'json' };
import deDevice from '../locales/de/device.json' with { type: 'json' };
import deErrors from '../locales/de/errors.json' with { type: 'json' };
import deHome from '../locales/de/home.json' with { type: 'json' };
import deLogin from '../locales/de/login.json' with { type: 'json' };
import deLogout from '../locales/de/logout.json' with { type: 'json' };
import deMail from '../locales/de/mail.json' with { type: 'json' };
import deMfa from '../locales/de/mfa.json' with { type: 'json' };
import dePasskeys from '../locales/de/passkeys.json' with { type: 'json' };
import deReset from '../locales/de/reset.json' with { type: 'json' };
import deSecurity from '../locales/de/security.json' with { type: 'json' };
import deSignup from '../locales/de/signup.json' with { type: 'json' };
import frAccount from '../locales/fr/account.json' with { type: 'json' };
import frBranding from '../locales/fr/branding.json' with { type: 'json' };
import frCommon from '../locales/fr/common.json' with { type: 'json' };
import frConsent from '../locales/fr/consent.json' with { type: 'json' };
import frConsole from '../locales/fr/console.json' with { type: 'json' };
import frDevice from '../locales/fr/device.json' with { type: 'json' };
import frErrors from '../locales/fr/errors.json' with { type: 'json' };
import frHome from '../locales/fr/home.json' with { type: 'json' };
import frLogin from '../locales/fr/login.json' with { type: 'json' };
import frLogout from '../locales/fr/logout.json' with { type: 'json' };
import frMail from '../locales/fr/mail.json' with { type: 'json' };
import frMfa from '../locales/fr/mfa.json' with { type: 'json' };
import frPasskeys from '../locales/fr/passkeys.json' with { type: 'json' };
import frReset from '../locales/fr/reset.json' with { type: 'json' };
import frSecurity from '../locales/fr/security.json' with { type: 'json' };
import frSignup from '../locales/fr/signup.json' with { type: 'json' };
import esAccount from '../locales/es/account.json' with { type: 'json' };
import esBranding from '../locales/es/branding.json' with { type: 'json' };
import esCommon from '../locales/es/common.json' with { type: 'json' };
import esConsent from '../locales/es/consent.json' with { type: 'json' };
import esConsole from '../locales/es/console.json' with { type: 'json' };
import esDevice from '../locales/es/device.json' with { type: 'json' };
import esErrors from '../locales/es/errors.json' with { type: 'json' };
import esHome from '../locales/es/home.json' with { type: 'json' };
import esLogin from '../locales/es/login.json' with { type: 'json' };
import esLogout from '../locales/es/logout.json' with { type: 'json' };
import esMail from '../locales/es/mail.json' with { type: 'json' };
import esMfa from '../locales/es/mfa.json' with { type: 'json' };
import esPasskeys from '../locales/es/passkeys.json' with { type: 'json' };
import esReset from '../locales/es/reset.json' with { type: 'json' };
import esSecurity from '../locales/es/security.json' with { type: 'json' };
import esSignup from '../locales/es/signup.json' with { type: 'json' };

/**
 * The message catalogs: one JSON file per language and namespace under src/ui/locales, in i18next's
 * format (`{{name}}` interpolation, `_one`/`_many`/`_other` plural suffixes as the language's plural rules
 * need them, flat keys with dots). A namespace is added here once for every language; a key missing in a
 * language would fall back to English, and test/unit/i18n-catalogs.test.ts fails when one is.
 */
export type Catalog = Record<string, string>;

export const NAMESPACES = [
  'account',
  'branding',
  'common',
  'consent',
  'console',
  'device',
  'errors',
  'home',
  'login',
  'logout',
  'mail',
  'mfa',
  'passkeys',
  'reset',
  'security',
  'signup',
] as const;
export type Namespace = (typeof NAMESPACES)[number];

export const CATALOGS: Record<Locale, Record<Namespace, Catalog>> = {
  en: { account: enAccount, branding: enBranding, common: enCommon, consent: enConsent, console: enConsole, device: enDevice, errors: enErrors, home: enHome, login: enLogin, logout: enLogout, mail: enMail, mfa: enMfa, passkeys: enPasskeys, reset: enReset, security: enSecurity, signup: enSignup },
  de: { account: deAccount, branding: deBranding, common: deCommon, consent: deConsent, console: deConsole, device: deDevice, errors: deErrors, home: deHome, login: deLogin, logout: deLogout, mail: deMail, mfa: deMfa, passkeys: dePasskeys, reset: deReset, security: deSecurity, signup: deSignup },
  fr: { account: frAccount, branding: frBranding, common: frCommon, consent: frConsent, console: frConsole, device: frDevice, errors: frErrors, home: frHome, login: frLogin, logout: frLogout, mail: frMail, mfa: frMfa, passkeys: frPasskeys, reset: frReset, security: frSecurity, signup: frSignup },
  es: { account: esAccount, branding: esBranding, common: esCommon, consent: esConsent, console: esConsole, device: esDevice, errors: esErrors, home: esHome, login: esLogin, logout: esLogout, mail: esMail, mfa: esMfa, passkeys: esPasskeys, reset: esReset, security: esSecurity, signup: esSignup },
};
