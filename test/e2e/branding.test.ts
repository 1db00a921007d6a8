import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as client from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { discover } from '../helpers/oidc.js';
import { Browser, isPage, textOf } from '../helpers/browser.js';
import { tessera } from '../helpers/cli.js';
import { resolveBranding } from '../../src/cli/serve-settings.js';

/** The smallest PNG: one transparent pixel. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/** A scratch directory for logos, themes and config files. */
const scratch = mkdtempSync(join(tmpdir(), 'tessera-branding-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function file(path: string, content: string | Buffer): string {
  const full = join(scratch, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, content);
  return full;
}

/** The signed-in consent page of a client of `server` (and the CSP it came with). */
async function consentPage(server: TestServer, logoUri?: string) {
  const user = await server.addUser({ username: `u${Math.random().toString(36).slice(2, 8)}` });
  const { clientId, secret } = await server.addClient({ name: 'Notes', redirectUris: ['https://app.example.com/cb'], scopes: ['openid'], ...(logoUri ? { extras: { logo_uri: logoUri } } : {}) });
  const config = await discover(server, clientId, secret);
  const url = client.buildAuthorizationUrl(config, { redirect_uri: 'https://app.example.com/cb', scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256' });
  const browser = new Browser(server.issuer);
  const login = isPage(await browser.visit(url.href));
  return { login, consent: isPage(await browser.submit(login, { username: user.username, password: user.password })) };
}

describe('branding from configuration', () => {
  let server: TestServer;
  let remote: TestServer;

  before(async () => {
    const logo = file('logo.png', PNG);
    const branding = resolveBranding({ brandName: 'Acme <ID>', brandLogo: logo, brandColor: '#0B5CAD', brandSupportUrl: 'mailto:help@acme.example' }, {});
    server = await startTestServer({}, undefined, { branding: branding! });
    // The logo from elsewhere, and the settings from the environment as serve reads them.
    remote = await startTestServer({}, undefined, { branding: resolveBranding({}, { TESSERA_BRAND_LOGO: 'https://cdn.acme.example/logo.svg', TESSERA_BRAND_NAME: 'Acme' })! });
  });
  after(async () => {
    await server?.close();
    await remote?.close();
  });

  it('names the brand in titles and headings, shows its logo (alt: its name) on top of the card and its support link below', async () => {
    const home = await (await fetch(`${server.issuer}/`)).text();
    assert.match(home, /<title>Acme &lt;ID&gt;<\/title>/);
    assert.match(home, /<main><img class="brand-logo" src="\/assets\/logo\.png\?v=[A-Za-z0-9_-]{8}" alt="Acme &lt;ID&gt;">\n<h1>Acme &lt;ID&gt;<\/h1>/);
    assert.match(home, /<\/main>\n<footer class="brand"><a href="mailto:help@acme\.example">Help and support<\/a><\/footer>/);
    const { login } = await consentPage(server);
    assert.match(login.html, /<title>Sign in · Acme &lt;ID&gt;<\/title>/);
    assert.match(login.html, /class="brand-logo"/);
    const forgot = await (await fetch(`${server.issuer}/login/forgot-password`)).text();
    assert.match(forgot, /class="brand-logo"[\s\S]*<footer class="brand">/, 'every end-user page wears it, not only those of pages.ts');
    const own = await (await fetch(`${server.issuer}/account`, { redirect: 'follow' })).text();
    assert.match(textOf(own), /Sign in to continue to Acme &lt;ID&gt;/, 'the sign-in to the server\'s own pages names the brand');
  });

  it('serves the logo file itself with its type, an ETag and 304 for a cache that has it', async () => {
    const home = await (await fetch(`${server.issuer}/`)).text();
    const src = /class="brand-logo" src="([^"]+)"/.exec(home)![1]!;
    const r = await fetch(`${server.issuer}${src}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), PNG);
    const etag = r.headers.get('etag')!;
    assert.match(etag, /^"[A-Za-z0-9_-]{16}"$/);
    assert.equal((await fetch(`${server.issuer}${src}`, { headers: { 'if-none-match': etag } })).status, 304);
    assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'none'/, 'an SVG logo opened on its own runs nothing');
  });

  it('puts the accent into the stylesheet under a URL of its own version, and keeps style-src self', async () => {
    const home = await fetch(`${server.issuer}/`);
    assert.match(home.headers.get('content-security-policy') ?? '', /style-src 'self';/);
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(await home.text())![1]!;
    const plain = /<link rel="stylesheet" href="([^"]+)">/.exec(await (await fetch(`${remote.issuer}/`)).text())![1]!;
    assert.notEqual(href, plain, 'another accent, another URL: no cache keeps the old colour');
    const css = await fetch(`${server.issuer}${href}`);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    const text = await css.text();
    assert.match(text, /:root \{ --accent: #0b5cad; \}\n$/, 'written last, so it wins over the default');
    assert.doesNotMatch(await (await fetch(`${remote.issuer}${plain}`)).text(), /#0b5cad/);
    assert.equal((await fetch(`${server.issuer}${href}`, { headers: { 'if-none-match': css.headers.get('etag')! } })).status, 304);
  });

  it('allows an https logo\'s origin in img-src on every page; an app\'s logo on consent adds its own origin to it', async () => {
    const home = await fetch(`${remote.issuer}/`);
    assert.match(home.headers.get('content-security-policy') ?? '', /img-src 'self' data: https:\/\/cdn\.acme\.example;/);
    assert.match(await home.text(), /<img class="brand-logo" src="https:\/\/cdn\.acme\.example\/logo\.svg" alt="Acme">/);
    const { consent } = await consentPage(remote, 'https://cdn.notes.example/icon.png');
    assert.match(consent.headers.get('content-security-policy') ?? '', /img-src 'self' data: https:\/\/cdn\.acme\.example https:\/\/cdn\.notes\.example;/);
    assert.match(consent.html, /<main><img class="brand-logo" src="https:\/\/cdn\.acme\.example\/logo\.svg" alt="Acme">\n<img class="logo" src="https:\/\/cdn\.notes\.example\/icon\.png" alt=""/);
    assert.doesNotMatch(remote.issuer, /cdn/);
    const plain = await consentPage(server);
    assert.match(plain.consent.headers.get('content-security-policy') ?? '', /img-src 'self' data:;/, 'a logo file of the server\'s own needs no exception');
  });

  it('shows no footer without a support link, and the default name without a brand name', async () => {
    const home = await (await fetch(`${remote.issuer}/account`, { redirect: 'follow' })).text();
    assert.doesNotMatch(home, /<footer class="brand"/);
    assert.match(textOf(home), /Sign in/);
  });
});

describe('a theme directory', () => {
  let server: TestServer;

  before(async () => {
    const dir = join(scratch, 'theme');
    file('theme/layout.html', '<!doctype html>\n<html lang="{{lang}}" data-theme="acme">\n<head>{{head}}<link rel="icon" href="data:,"></head>\n<body class="acme {{body_class}}"><header class="acme-top">{{ brand_name }}</header>{{body}}<footer>Acme Corp — {{title}}</footer></body>\n</html>\n');
    file('theme/theme.css', 'header.acme-top { font-weight: 700; }\n');
    file('theme/messages/de.json', JSON.stringify({ branding: { support: 'Hilfe bei Acme' } }));
    server = await startTestServer({}, undefined, { branding: resolveBranding({ themeDir: dir, brandName: 'Acme & Co', brandSupportUrl: 'https://help.acme.example/' }, {})! });
  });
  after(() => server?.close());

  it('draws every page in layout.html: HTML placeholders as Tessera made them, text ones escaped', async () => {
    const page = await (await fetch(`${server.issuer}/account`, { redirect: 'follow' })).text();
    assert.match(page, /^<!doctype html>\n<html lang="en" data-theme="acme">/);
    assert.match(page, /<head><meta charset="utf-8">[\s\S]*<title>Sign in · Acme &amp; Co<\/title>\n<link rel="stylesheet"[^>]*>\n<link rel="stylesheet"[^>]*>\n<link rel="icon" href="data:,"><\/head>/);
    assert.match(page, /<header class="acme-top">Acme &amp; Co<\/header><main>/);
    assert.match(page, /<footer>Acme Corp — Sign in · Acme &amp; Co<\/footer><\/body>/);
    assert.match(page, /<body class="acme ">/);
    assert.match(page, /name="password"/, 'the page itself is in {{body}}');
  });

  it('serves theme.css after the built-in stylesheet, from this origin', async () => {
    const page = await (await fetch(`${server.issuer}/`)).text();
    const links = [...page.matchAll(/<link rel="stylesheet" href="([^"]+)">/g)].map((m) => m[1]!);
    assert.equal(links.length, 2);
    assert.match(links[0]!, /^\/assets\/tessera\.css\?v=/);
    assert.match(links[1]!, /^\/assets\/theme\.css\?v=/);
    const css = await fetch(`${server.issuer}${links[1]}`);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    assert.equal(await css.text(), 'header.acme-top { font-weight: 700; }\n');
  });

  it('uses messages/<language>.json over the shipped words, in that language only', async () => {
    const german = await (await fetch(`${server.issuer}/`, { headers: { 'accept-language': 'de' } })).text();
    assert.match(german, /<a href="https:\/\/help\.acme\.example\/">Hilfe bei Acme<\/a>/);
    const french = await (await fetch(`${server.issuer}/`, { headers: { 'accept-language': 'fr' } })).text();
    assert.match(french, /<a href="https:\/\/help\.acme\.example\/">Aide et assistance<\/a>/);
  });
});

describe('serve refuses a branding it cannot use, in one line naming the setting or the file', () => {
  /** `tessera serve` with these flags; it must stop before it listens. */
  async function refused(args: string[], env: Record<string, string> = {}): Promise<string> {
    const run = await tessera(['serve', '--port', '0', '--data', join(scratch, 'data'), ...args], undefined, false, env);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, run.stderr);
    return lines[0]!;
  }

  it('a colour white text is hard to read on, saying the ratio it measured', async () => {
    assert.equal(await refused(['--brand-color', '#ff8800']), "tessera: error: --brand-color: white button text on #ff8800 has a contrast of 2.39:1, below the 4.5:1 WCAG AA asks for text; choose a darker colour");
    assert.match(await refused([], { TESSERA_BRAND_COLOR: 'blue' }), /TESSERA_BRAND_COLOR: must be a colour written #rrggbb, not 'blue'/);
    const config = file('config.json', JSON.stringify({ branding: { color: '#777777' } }));
    assert.match(await refused(['--config', config]), /config\.json: branding\.color: white button text on #777777 has a contrast of 4\.47:1/);
  });

  it('a logo that is not https, not an image, or too large', async () => {
    assert.match(await refused(['--brand-logo', 'http://cdn.example/logo.png']), /--brand-logo must be an https URL or an image file, not 'http:\/\/cdn\.example\/logo\.png'/);
    assert.match(await refused(['--brand-logo', file('logo.txt', 'hello')]), /--brand-logo: .*logo\.txt is not a PNG, JPEG, GIF, WebP or SVG image/);
    assert.match(await refused(['--brand-logo', file('big.png', Buffer.concat([PNG, Buffer.alloc(600 * 1024)]))]), /--brand-logo: the logo .*big\.png is larger than 512 KiB/);
    assert.match(await refused(['--brand-logo', join(scratch, 'missing.png')]), /--brand-logo: cannot read the logo .*missing\.png: ENOENT/);
  });

  it('a support link that is neither https nor mailto', async () => {
    assert.match(await refused(['--brand-support-url', 'javascript:alert(1)']), /--brand-support-url must be an https: or mailto: URL, not 'javascript:alert\(1\)'/);
  });

  it('a theme whose layout has no {{body}} or an unknown placeholder, bad JSON, an unknown language or key, or no such directory', async () => {
    file('t1/layout.html', '<html><body>{{brand_name}}</body></html>');
    assert.match(await refused(['--theme-dir', join(scratch, 't1')]), /--theme-dir: .*t1\/layout\.html: must hold \{\{body\}\} exactly once \(the page itself\), found it 0 times/);
    file('t2/layout.html', '<html><body>{{body}}{{script}}</body></html>');
    assert.match(await refused(['--theme-dir', join(scratch, 't2')]), /t2\/layout\.html: unknown placeholder \{\{script\}\}/);
    file('t3/messages/fr.json', '{"branding": {"support": "Aide",}}');
    assert.match(await refused(['--theme-dir', join(scratch, 't3')]), /--theme-dir: .*t3\/messages\/fr\.json is not valid JSON/);
    file('t4/messages/it.json', '{}');
    assert.match(await refused(['--theme-dir', join(scratch, 't4')]), /t4\/messages\/it\.json: not a language of Tessera's/);
    file('t5/messages/en.json', '{"branding": {"suport": "Help"}}');
    assert.match(await refused(['--theme-dir', join(scratch, 't5')]), /t5\/messages\/en\.json: 'branding' has no message 'suport'/);
    assert.match(await refused(['--theme-dir', join(scratch, 'nowhere')]), /--theme-dir: cannot read the theme directory .*nowhere: ENOENT/);
    mkdirSync(join(scratch, 't6'));
    assert.match(await refused([], { TESSERA_THEME_DIR: join(scratch, 't6') }), /TESSERA_THEME_DIR: .*t6 holds none of layout\.html, theme\.css, messages\//);
  });
});

describe('tessera doctor sees the branding as serve would', () => {
  async function doctor(args: string[], env: Record<string, string> = {}) {
    const run = await tessera(['doctor', '--offline', '--data', join(scratch, 'doctor-data'), ...args, '--json'], undefined, false, env);
    return { code: run.code, checks: (JSON.parse(run.stdout) as { checks: { id: string; status: string; finding: string }[] }).checks };
  }

  it('reports a colour too light for white text, and an unreadable theme directory, as a configuration serve would refuse', async () => {
    const color = await doctor(['--brand-color', '#ff8800']);
    assert.equal(color.code, 1);
    const config = color.checks.find((c) => c.id === 'config')!;
    assert.equal(config.status, 'error');
    assert.match(config.finding, /serve would refuse this configuration: --brand-color: white button text on #ff8800 has a contrast of 2\.39:1/);
    const theme = await doctor([], { TESSERA_THEME_DIR: join(scratch, 'no-theme') });
    assert.match(theme.checks.find((c) => c.id === 'config')!.finding, /TESSERA_THEME_DIR: cannot read the theme directory .*no-theme: ENOENT/);
    const fine = await doctor(['--brand-color', '#0b5cad', '--brand-name', 'Acme']);
    assert.equal(fine.checks.find((c) => c.id === 'config')!.status, 'ok');
  });
});
