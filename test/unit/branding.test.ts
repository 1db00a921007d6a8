import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AA_TEXT, contrastRatio, mixSrgb, shownRatio } from '../../src/ui/contrast.js';
import { BACKGROUNDS, brandColorProblem, STYLESHEET, stylesheetFor } from '../../src/ui/style.js';
import { fillLayout, parseLayout, parseMessages } from '../../src/ui/theme.js';
import { html } from '../../src/ui/html.js';
import { renderMail } from '../../src/ui/mail/templates.js';

/** A custom property of the stylesheet's :root, as [light, dark] (the same twice when it does not change with the scheme). */
function variable(name: string): [string, string] {
  const value = new RegExp(`${name}: ([^;]+);`).exec(STYLESHEET)?.[1];
  assert.ok(value, `${name} is in the stylesheet`);
  const pair = /^light-dark\((#[0-9a-f]{6}), (#[0-9a-f]{6})\)$/i.exec(value);
  if (pair) return [pair[1]!, pair[2]!];
  assert.match(value, /^#[0-9a-f]{6}$/i);
  return [value, value];
}

describe('contrast as WCAG measures it', () => {
  it('gives the known ratios, and never rounds a failing one up to a pass', () => {
    assert.equal(contrastRatio('#000000', '#ffffff'), 21);
    assert.equal(contrastRatio('#ffffff', '#ffffff'), 1);
    assert.equal(shownRatio(contrastRatio('#777777', '#ffffff')), '4.47:1');
    assert.equal(mixSrgb('#000000', 40, '#ffffff'), '#999999');
  });

  it('refuses a brand colour white text fails on, or one not written #rrggbb', () => {
    assert.equal(brandColorProblem('#3451b2'), undefined);
    assert.match(brandColorProblem('#777777') ?? '', /4\.47:1, below the 4\.5:1/);
    assert.match(brandColorProblem('red') ?? '', /#rrggbb/);
    assert.match(brandColorProblem('#fff') ?? '', /#rrggbb/);
  });

  it('keeps every text colour of the stylesheet at 4.5:1 or more on its background, in light and in dark', () => {
    const [bgLight, bgDark] = variable('--bg');
    assert.deepEqual([bgLight, bgDark], [BACKGROUNDS.light, BACKGROUNDS.dark]);
    for (const name of ['--fg', '--muted', '--danger']) {
      const [light, dark] = variable(name);
      assert.ok(contrastRatio(light, bgLight) >= AA_TEXT, `${name} on light: ${shownRatio(contrastRatio(light, bgLight))}`);
      assert.ok(contrastRatio(dark, bgDark) >= AA_TEXT, `${name} on dark: ${shownRatio(contrastRatio(dark, bgDark))}`);
    }
    // Links and the focus ring: the accent on light, its tint on dark.
    const [accent] = variable('--accent');
    assert.match(STYLESHEET, /--link: light-dark\(var\(--accent\), color-mix\(in srgb, var\(--accent\) 40%, #ffffff\)\);/);
    assert.ok(contrastRatio(accent, bgLight) >= AA_TEXT);
    assert.ok(contrastRatio(mixSrgb(accent, 40, '#ffffff'), bgDark) >= AA_TEXT);
    // White text on the filled buttons.
    for (const name of ['--accent', '--danger-fill']) assert.ok(contrastRatio(variable(name)[0], '#ffffff') >= AA_TEXT, name);
    // Chart bars are graphics: 3:1 (WCAG 1.4.11).
    for (const name of ['--chart-2', '--chart-3']) {
      const [light, dark] = variable(name);
      assert.ok(contrastRatio(light, bgLight) >= 3 && contrastRatio(dark, bgDark) >= 3, name);
    }
    assert.doesNotMatch(STYLESHEET, /\bCanvas(Text)?\b/, 'no system colour whose value the tests cannot know');
    assert.match(STYLESHEET, /:focus-visible \{ outline: 3px solid var\(--link\)/);
  });

  it('appends a configured accent after the built-in one', () => {
    assert.equal(stylesheetFor(), STYLESHEET);
    assert.ok(stylesheetFor('#0b5cad').endsWith(':root { --accent: #0b5cad; }\n'));
  });
});

describe('a theme\'s layout and messages', () => {
  it('fills the layout: HTML placeholders as given, text ones escaped, spaces inside braces allowed', () => {
    const layout = parseLayout('<html lang="{{lang}}"><head>{{head}}</head><body class="{{ body_class }}"><b>{{brand_name}}</b>{{body}}<i>{{title}}</i></body></html>');
    const page = fillLayout(layout, { head: html`<title>x</title>`, body: html`<main>hi</main>`, bodyClass: 'a"b', title: '<T>', lang: 'de', brandName: 'A & B' });
    assert.equal(page, '<html lang="de"><head><title>x</title></head><body class="a&quot;b"><b>A &amp; B</b><main>hi</main><i>&lt;T&gt;</i></body></html>');
  });

  it('refuses a layout without {{body}}, with it twice, or with an unknown placeholder', () => {
    assert.throws(() => parseLayout('<body></body>'), /must hold \{\{body\}\} exactly once .* 0 times/);
    assert.throws(() => parseLayout('{{body}}{{body}}'), /2 times/);
    assert.throws(() => parseLayout('{{body}}{{ nonce }}'), /unknown placeholder \{\{nonce\}\}/);
  });

  it('takes messages of a known language, namespace and key only, as strings', () => {
    assert.deepEqual(parseMessages('fr.json', '{"branding": {"support": "Aide"}}'), { locale: 'fr', namespaces: { branding: { support: 'Aide' } } });
    assert.throws(() => parseMessages('fr.json', '[]'), /must be a JSON object of namespaces/);
    assert.throws(() => parseMessages('fr.json', '{"branding": {"support": 3}}'), /'branding\.support' must be a string/);
    assert.throws(() => parseMessages('en-GB.json', '{}'), /not a language of Tessera's/);
    assert.throws(() => parseMessages('notes.txt', '{}'), /not a language of Tessera's/);
  });
});

describe('the mails carry the brand name', () => {
  it('in the HTML part\'s title', () => {
    const mail = renderMail({ name: 'password-reset', data: { username: 'ann', link: 'https://id.example/r', minutes: 30 } }, 'Acme <ID>');
    assert.match(mail.html, /<title>[^<]* · Acme &lt;ID&gt;<\/title>/);
    assert.match(renderMail({ name: 'password-reset', data: { username: 'ann', link: 'https://id.example/r', minutes: 30 } }).html, /<title>[^<]* · Tessera<\/title>/);
  });
});
