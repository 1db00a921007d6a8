import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { brandColorProblem } from '../ui/style.js';
import { parseLayout, parseMessages, ThemeError, type Branding } from '../ui/theme.js';
import { DEFAULT_BRAND, type Brand } from '../ui/page-context.js';
import { CliError } from './output.js';

/*
 * The branding settings of `tessera serve` (docs/branding.md): each a flag, an environment variable
 * and a key under `branding:` in the config file, read by serve-settings.ts like the others. Files
 * are read and checked here, before anything opens: a wrong colour, logo or theme stops the start
 * with one line naming the setting or the file.
 */

export interface BrandSetting {
  flag: string;
  env: string;
  key: string;
  description: string;
  arg: string;
}

type Name = 'name' | 'logo' | 'color' | 'supportUrl' | 'themeDir';

export const BRAND_SETTINGS: Record<Name, BrandSetting> = {
  name: { flag: '--brand-name', env: 'TESSERA_BRAND_NAME', key: 'branding.name', arg: 'name', description: 'the product name on every page (titles, headings, admin bar) and in emails (default Tessera)' },
  logo: { flag: '--brand-logo', env: 'TESSERA_BRAND_LOGO', key: 'branding.logo', arg: 'url|file', description: 'logo on top of the sign-in pages: an https URL, or a PNG, JPEG, GIF, WebP or SVG file (at most 512 KiB) the server serves itself' },
  color: { flag: '--brand-color', env: 'TESSERA_BRAND_COLOR', key: 'branding.color', arg: '#rrggbb', description: 'accent colour of buttons and links; white text on it must reach 4.5:1 (WCAG AA)' },
  supportUrl: { flag: '--brand-support-url', env: 'TESSERA_BRAND_SUPPORT_URL', key: 'branding.supportUrl', arg: 'url', description: 'https: or mailto: link to your help desk, shown below the sign-in pages' },
  themeDir: { flag: '--theme-dir', env: 'TESSERA_THEME_DIR', key: 'branding.themeDir', arg: 'dir', description: 'directory with layout.html, theme.css and messages/<language>.json overriding the pages\' shell, style and words' },
};

type Given = { value: unknown; source: string } | undefined;

/** Largest logo, layout or stylesheet read: they are sent with pages, and kept in memory. */
const MAX_FILE_BYTES = 512 * 1024;

const shown = (value: unknown) => (typeof value === 'string' ? `'${value}'` : JSON.stringify(value));

function text(given: Given): string | undefined {
  if (given === undefined) return undefined;
  if (typeof given.value !== 'string' || given.value.trim() === '') throw new CliError(`${given.source} must be a non-empty string, not ${shown(given.value)}`);
  return given.value.trim();
}

function readSmall(path: string, what: string): Buffer {
  let bytes: Buffer;
  try {
    if (statSync(path).size > MAX_FILE_BYTES) throw new CliError(`${what} ${path} is larger than ${MAX_FILE_BYTES / 1024} KiB`);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return bytes;
}

/** An image's type from its first bytes (not its name): only what browsers show in <img> and nothing else. */
function imageType(bytes: Buffer): { contentType: string; extension: string } | undefined {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return { contentType: 'image/png', extension: 'png' };
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return { contentType: 'image/jpeg', extension: 'jpg' };
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return { contentType: 'image/gif', extension: 'gif' };
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return { contentType: 'image/webp', extension: 'webp' };
  const start = bytes.subarray(0, 1024).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(start)) return { contentType: 'image/svg+xml', extension: 'svg' };
  return undefined;
}

function urlOf(value: string, schemes: string[]): URL | undefined {
  try {
    const url = new URL(value);
    return schemes.includes(url.protocol) && url.username === '' && url.password === '' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The theme directory's files, checked; see src/ui/theme.ts for what each may hold. */
function readTheme(dir: string, source: string): Pick<Branding, 'layout' | 'themeCss' | 'messages'> {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    throw new CliError(`${source}: cannot read the theme directory ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const theme: Pick<Branding, 'layout' | 'themeCss' | 'messages'> = {};
  try {
    if (entries.includes('layout.html')) theme.layout = parseLayout(readSmall(join(dir, 'layout.html'), 'the layout').toString('utf8'), join(dir, 'layout.html'));
    if (entries.includes('theme.css')) theme.themeCss = readSmall(join(dir, 'theme.css'), 'the stylesheet').toString('utf8');
    if (entries.includes('messages')) {
      let files: string[];
      try {
        files = readdirSync(join(dir, 'messages')).sort();
      } catch (e) {
        throw new CliError(`cannot read ${join(dir, 'messages')}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      theme.messages = files.map((f) => parseMessages(f, readSmall(join(dir, 'messages', f), 'the messages').toString('utf8')));
    }
  } catch (e) {
    if (e instanceof ThemeError) throw new CliError(`${source}: ${e.message.startsWith('messages/') ? join(dir, e.message) : e.message}`);
    if (e instanceof CliError) throw new CliError(`${source}: ${e.message}`);
    throw e;
  }
  if (!theme.layout && theme.themeCss === undefined && !theme.messages) throw new CliError(`${source}: ${dir} holds none of layout.html, theme.css, messages/`);
  return theme;
}

/** The branding from the settings; undefined when none is set (the built-in look). */
export function brandingSettings(given: (name: Name) => Given): Branding | undefined {
  const all = (Object.keys(BRAND_SETTINGS) as Name[]).map((n) => [n, given(n)] as const);
  if (all.every(([, g]) => g === undefined)) return undefined;
  const value = Object.fromEntries(all.map(([n, g]) => [n, text(g)])) as Record<Name, string | undefined>;
  const source = (n: Name) => given(n)!.source;
  const brand: Brand = { name: value.name ?? DEFAULT_BRAND.name };
  if (value.name !== undefined && (value.name.length > 100 || /\p{Cc}/u.test(value.name))) throw new CliError(`${source('name')} must be at most 100 characters, without control characters`);
  const branding: Branding = { brand };
  if (value.color !== undefined) {
    const problem = brandColorProblem(value.color.toLowerCase());
    if (problem) throw new CliError(`${source('color')}: ${problem}`);
    brand.color = value.color.toLowerCase();
  }
  if (value.supportUrl !== undefined) {
    const url = urlOf(value.supportUrl, ['https:', 'mailto:']);
    if (!url) throw new CliError(`${source('supportUrl')} must be an https: or mailto: URL, not ${shown(value.supportUrl)}`);
    brand.supportUrl = url.href;
  }
  if (value.logo !== undefined) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(value.logo) && !/^[a-z]:[\\/]/i.test(value.logo)) {
      const url = urlOf(value.logo, ['https:']);
      if (!url) throw new CliError(`${source('logo')} must be an https URL or an image file, not ${shown(value.logo)}`);
      brand.logoUrl = url.href;
    } else {
      let bytes: Buffer;
      try {
        bytes = readSmall(value.logo, 'the logo');
      } catch (e) {
        throw new CliError(`${source('logo')}: ${(e as Error).message}`);
      }
      const type = imageType(bytes);
      if (!type) throw new CliError(`${source('logo')}: ${value.logo} is not a PNG, JPEG, GIF, WebP or SVG image`);
      branding.logoFile = { bytes, ...type };
    }
  }
  if (value.themeDir !== undefined) Object.assign(branding, readTheme(value.themeDir, source('themeDir')));
  return branding;
}
