import type {
  AccountPageData,
  ConsentPageData,
  ConsolePageData,
  DevicePageData,
  ErrorPageData,
  LinkAccountPageData,
  LoginPageData,
  LogoutPageData,
  MessagePageData,
  PageData,
  PageName,
  SecondFactorPageData,
} from '../core/protocol.js';
import type { Said } from '../core/message.js';
import { html, type SafeHtml } from './html.js';
import { say, scopeDescription } from './i18n/say.js';
import { endUserDocument } from './document.js';
import type { PageContext } from './page-context.js';
import { adminPage } from './admin/index.js';
import { homePage } from './home.js';
import { accountSecurityPage, backupCodesToKeep } from './account-security.js';
import { passkeySecondFactor, passkeySignIn } from './passkeys.js';
import { forgotPasswordPage, resetPasswordPage } from './password-reset.js';
import { confirmEmailPage, emailUnverifiedPage, signupNoticePage, signupPage } from './signup.js';

function hiddenFields(fields: Record<string, string>): SafeHtml[] {
  return Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
}

function layout(ctx: PageContext, title: string, body: SafeHtml, bodyClass?: string): string {
  return endUserDocument(ctx, title, body, bodyClass);
}

const errorLine = (ctx: PageContext, error: Said | undefined) => (error ? html`<p class="error" role="alert">${say(ctx, error)}</p>` : '');
const signedInAs = (ctx: PageContext, username: string) => html`<p class="muted">${ctx.t('signedInAs', { username })}</p>`;

function loginPage(d: LoginPageData, ctx: PageContext): string {
  const t = ctx.t;
  return layout(ctx, t('login:title'),
    html`<h1>${t('login:title')}</h1>
<p>${ctx.tHtml('login:toContinue', { client: d.clientName ?? ctx.brand.name })}</p>
${errorLine(ctx, d.error)}
<form method="post" action="${d.action}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
${hiddenFields(d.hidden ?? {})}
<label for="username">${t('login:username')}</label>
<input type="text" id="username" name="username" autocomplete="${d.passkey ? 'username webauthn' : 'username'}" autocapitalize="none" spellcheck="false" required value="${d.username}"${d.username ? '' : html` autofocus`}>
<label for="password">${t('login:password')}</label>
<input type="password" id="password" name="password" autocomplete="current-password"${d.homeRealm ? '' : html` required`}${d.username ? html` autofocus` : ''}>
${d.homeRealm ? html`<p class="muted">${t('login:homeRealm')}</p>` : ''}
<div class="actions"><button type="submit">${t('login:submit')}</button></div>
</form>
${d.forgotPasswordHref ? html`<p><a href="${d.forgotPasswordHref}">${t('login:forgotPassword')}</a></p>` : ''}
${d.signupHref ? html`<p><a href="${d.signupHref}">${ctx.t('signup:link.createAccount')}</a></p>` : ''}
${d.passkey ? passkeySignIn(ctx, d.passkey) : ''}
${(d.providers ?? []).length > 0 ? html`<div class="providers">${(d.providers ?? []).map((p) => html`<p><a class="button secondary" href="${p.href}">${t('login:continueWith', { provider: p.name })}</a></p>`)}</div>` : ''}`,
  );
}

function linkAccountPage(d: LinkAccountPageData, ctx: PageContext): string {
  const t = ctx.t;
  return layout(ctx, t('login:link.title'),
    html`<h1>${t('login:link.heading')}</h1>
<p>${ctx.tHtml('login:link.explain', { email: d.email, provider: d.providerName })}</p>
${errorLine(ctx, d.error)}
<form method="post" action="${d.action}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
${hiddenFields(d.hidden)}
<label for="username">${t('login:username')}</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" value="${d.username}" autofocus>
<label for="password">${t('login:password')}</label>
<input type="password" id="password" name="password" autocomplete="current-password">
<div class="actions">
<button type="submit" name="decision" value="link">${t('login:link.link')}</button>
<button type="submit" name="decision" value="new" class="secondary">${t('login:link.separate')}</button>
</div>
</form>`,
  );
}

function consentPage(d: ConsentPageData, ctx: PageContext): string {
  return layout(ctx, ctx.t('consent:title'),
    html`${d.logoUri ? html`<img class="logo" src="${d.logoUri}" alt="" width="64" height="64" referrerpolicy="no-referrer">` : ''}
<h1>${ctx.t('consent:heading', { client: d.clientName })}</h1>
${signedInAs(ctx, d.username)}
${d.description ? html`<p class="description">${d.description}</p>` : ''}
${d.unverified ? html`<p class="warning" role="note">${ctx.tHtml('consent:unverified')}</p>` : ''}
${scopeList(ctx, d.scopes)}
<p class="muted">${ctx.tHtml('consent:redirectTo', { host: d.redirectTo })}</p>
${decisionForm(ctx, d.action, d.csrfToken)}`,
  );
}

function errorPage(d: ErrorPageData, ctx: PageContext): string {
  return layout(ctx, ctx.t('errors:title'),
    html`<h1>${ctx.t('errors:title')}</h1>
<p>${say(ctx, d.description)}</p>
<p class="muted">${ctx.t('errors:code')} <code>${d.error}</code></p>
${d.reference ? html`<p class="muted">${ctx.t('errors:reference')} <code id="reference">${d.reference}</code></p>` : ''}`,
  );
}

function accountPage(d: AccountPageData, ctx: PageContext): string {
  const t = ctx.t;
  const apps =
    d.apps.length === 0
      ? html`<p class="muted">${t('account:noApps')}</p>`
      : html`<ul class="apps">${d.apps.map(
          (a) => html`<li>
<strong>${a.clientName}</strong> <span class="muted">${t('account:since', { date: a.since })}</span>
<ul class="scopes">${a.scopes.map((s) => html`<li>${scopeDescription(ctx, s)} <code>${s.name}</code></li>`)}</ul>
<form method="post" action="${d.revokeAction}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<input type="hidden" name="grant_id" value="${a.grantId}">
<button type="submit" class="secondary">${t('account:revoke')}</button>
</form>
</li>`,
        )}</ul>`;
  return layout(ctx, t('account:title'),
    html`<h1>${t('account:title')}</h1>
${signedInAs(ctx, d.username)}
${d.notice ? html`<p role="status">${say(ctx, d.notice)}</p>` : ''}
<h2>${t('account:appsHeading')}</h2>
${apps}
<h2>${t('account:methodsHeading')}</h2>
<ul class="methods">${d.signInMethods.map(
      (m) => html`<li>${say(ctx, m.label)}${m.unlink
        ? html` <form method="post" action="${d.unlinkAction}" class="inline">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<input type="hidden" name="provider" value="${m.unlink.provider}">
<input type="hidden" name="subject" value="${m.unlink.subject}">
<button type="submit" class="secondary">${t('account:unlink')}</button>
</form>`
        : ''}</li>`,
    )}</ul>
<h2>${t('mfa:title')}</h2>
${d.secondFactor.enabled
  ? html`<p>${t('account:mfaOn')} <span class="muted">${t('mfa:codesLeft', { count: d.secondFactor.backupCodesLeft })}</span></p>`
  : html`<p class="muted">${t('account:mfaOff')}</p>
${sessionForm(d.secondFactor.action, d.secondFactor.csrfToken, '', t('mfa:setUp'), 'secondary')}`}
${d.securityHref ? html`<p><a href="${d.securityHref}">${t('account:securityLink')}</a></p>` : ''}
<form method="post" action="${d.logoutAction}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<div class="actions"><button type="submit">${t('logout:submit')}</button></div>
</form>`,
  );
}

function logoutPage(d: LogoutPageData, ctx: PageContext): string {
  return layout(ctx, ctx.t('logout:title'),
    html`<h1>${ctx.t('logout:heading')}</h1>
<p>${d.clientName ? ctx.tHtml('logout:clientAsks', { client: d.clientName, brand: ctx.brand.name }) : ctx.t('logout:question', { brand: ctx.brand.name })}</p>
<form method="post" action="${d.action}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
${hiddenFields(d.hidden)}
<div class="actions"><button type="submit">${ctx.t('logout:submit')}</button></div>
</form>`,
  );
}

/** The Allow / Deny form of a consent (DESIGN.md §7: buttons named `decision`). */
function decisionForm(ctx: PageContext, action: string, csrfToken: string, hidden: Record<string, string> = {}): SafeHtml {
  return html`<form method="post" action="${action}">
<input type="hidden" name="csrf" value="${csrfToken}">
${hiddenFields(hidden)}
<div class="actions">
<button type="submit" name="decision" value="allow">${ctx.t('consent:allow')}</button>
<button type="submit" name="decision" value="deny" class="secondary">${ctx.t('consent:deny')}</button>
</div>
</form>`;
}

/** What an app may do, grouped: the account itself first, then each API by name. */
function scopeList(ctx: PageContext, scopes: { name: string; description: string; api?: string }[]): SafeHtml {
  if (scopes.length === 0) return html`<p>${ctx.t('consent:noScopes')}</p>`;
  const groups = new Map<string, { name: string; description: string; api?: string }[]>();
  for (const s of scopes) groups.set(s.api ?? '', [...(groups.get(s.api ?? '') ?? []), s]);
  const items = (list: { name: string; description: string; api?: string }[]) =>
    html`<ul class="scopes">${list.map((s) => html`<li>${scopeDescription(ctx, s)} <code>${s.name}</code></li>`)}</ul>`;
  return html`<p>${ctx.t('consent:willBeAble')}</p>${[...groups].map(([api, list]) => (api === '' ? items(list) : html`<h2 class="api">${api}</h2>${items(list)}`))}`;
}

function devicePage(d: DevicePageData, ctx: PageContext): string {
  const t = ctx.t;
  if (d.step === 'code') {
    return layout(ctx, t('device:title'),
      html`<h1>${t('device:title')}</h1>
${signedInAs(ctx, d.username)}
${errorLine(ctx, d.error)}
<form method="post" action="${d.action}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<label for="user_code">${t('device:enterCode')}</label>
<input type="text" id="user_code" name="user_code" autocomplete="off" autocapitalize="characters" spellcheck="false" required autofocus value="${d.userCode}">
<div class="actions"><button type="submit">${t('common:continue')}</button></div>
</form>`,
    );
  }
  return layout(ctx, t('consent:title'),
    html`<h1>${t('consent:heading', { client: d.clientName ?? '' })}</h1>
${signedInAs(ctx, d.username)}
${d.userCode ? html`<p>${ctx.tHtml('device:checkCode', { code: d.userCode })}</p>` : html`<p>${t('device:checkApp')}</p>`}
${scopeList(ctx, d.scopes ?? [])}
${decisionForm(ctx, d.action, d.csrfToken, d.requestRef ? { request: d.requestRef } : {})}`,
  );
}

function messagePage(d: MessagePageData, ctx: PageContext): string {
  const title = say(ctx, d.title);
  return layout(ctx, title, html`<h1>${title}</h1>
<p>${say(ctx, d.message)}</p>
${d.link ? html`<p><a href="${d.link.href}">${say(ctx, d.link.label)}</a></p>` : ''}`);
}

/** A form of the signed-in user, with its CSRF token and one button. */
function sessionForm(action: string, csrfToken: string, body: SafeHtml | string, button: string, buttonClass = ''): SafeHtml {
  return html`<form method="post" action="${action}">
<input type="hidden" name="csrf" value="${csrfToken}">
${body}
<div class="actions"><button type="submit"${buttonClass ? html` class="${buttonClass}"` : ''}>${button}</button></div>
</form>`;
}

function consolePage(d: ConsolePageData, ctx: PageContext): string {
  const t = ctx.t;
  const header = html`<p class="muted">${t('signedInAs', { username: d.username })} · <a href="${d.consoleHref}">${t('console:yourApps')}</a></p>
${errorLine(ctx, d.error)}
${d.notice ? html`<p role="status">${say(ctx, d.notice)}</p>` : ''}`;
  if (d.view === 'list') {
    const apps =
      d.apps.length === 0
        ? html`<p class="muted">${t('console:noApps')}</p>`
        : html`<ul class="apps">${d.apps.map((a) => html`<li><a href="${a.href}"><strong>${a.name}</strong></a><br><span class="muted">${say(ctx, a.typeLabel)}</span><br><code>${a.clientId}</code></li>`)}</ul>`;
    const form = html`
<label for="name">${t('console:appName')}</label>
<input type="text" id="name" name="name" required maxlength="200" value="${d.form.name}">
<label for="type">${t('console:kind')}</label>
<select id="type" name="type">${d.types.map((k) => html`<option value="${k.value}"${k.value === d.form.type ? html` selected` : ''}>${say(ctx, k.label)}</option>`)}</select>
<label for="redirect_uris">${t('console:redirectUris')} <span class="muted">${t('console:redirectUrisHint')}</span></label>
<textarea id="redirect_uris" name="redirect_uris" rows="3" spellcheck="false">${d.form.redirectUris}</textarea>
<fieldset><legend>${t('console:scopesLegend')}</legend>
${d.scopes.map((s) => html`<label class="check"><input type="checkbox" name="scope:${s.name}"${s.checked ? html` checked` : ''}> ${scopeDescription(ctx, s)} <code>${s.name}</code></label>`)}
<p class="muted">${d.serviceScopes.length > 0
  ? ctx.tHtml('console:serviceScopes', { scopes: d.serviceScopes.join(' ') })
  : t('console:noServiceScopes')}</p>
</fieldset>
<label for="logo_uri">${t('console:logoUrl')} <span class="muted">${t('console:optionalHttps')}</span></label>
<input type="url" id="logo_uri" name="logo_uri" value="${d.form.logoUri}">
<label for="description">${t('console:description')} <span class="muted">${t('console:optional')}</span></label>
<textarea id="description" name="description" rows="2" maxlength="1000">${d.form.description}</textarea>`;
    return layout(ctx, t('console:title'),
      html`<h1>${t('console:yourApps')}</h1>
${header}
<div class="columns">
<section>${apps}</section>
<section><h2>${t('console:register')}</h2>
${sessionForm(d.createAction, d.csrfToken, form, t('console:registerButton'))}</section>
</div>`,
      'console',
    );
  }
  const a = d.app;
  const secret = d.secret
    ? html`<div class="secret" role="status"><p>${ctx.tHtml('console:secretOnce')}</p>
<p><code id="client_secret">${d.secret}</code></p></div>`
    : '';
  return layout(ctx, a.name,
    html`<h1>${a.name}</h1>
${header}
<dl class="facts">
<dt>${t('console:clientId')}</dt><dd><code id="client_id">${a.clientId}</code></dd>
<dt>${t('console:kindShort')}</dt><dd>${say(ctx, a.typeLabel)}</dd>
<dt>${t('console:scopes')}</dt><dd>${a.scopes.length > 0 ? html`<code>${a.scopes.join(' ')}</code>` : t('console:none')}${a.noScopes ? html`<br><span class="muted">${say(ctx, a.noScopes)}</span>` : ''}</dd>
<dt>${t('console:registered')}</dt><dd>${a.createdAt}</dd>
${a.description ? html`<dt>${t('console:description')}</dt><dd>${a.description}</dd>` : ''}
${a.logoUri ? html`<dt>${t('console:logoUrl')}</dt><dd><code>${a.logoUri}</code></dd>` : ''}
</dl>
${secret}
<div class="columns">
${a.usesRedirects
  ? html`<section><h2>${t('console:redirectUris')}</h2>
${sessionForm(d.actions.redirectUris, d.csrfToken, html`<label for="redirect_uris">${t('console:onePerLine')}</label>
<textarea id="redirect_uris" name="redirect_uris" rows="3" spellcheck="false">${a.redirectUris.join('\n')}</textarea>`, t('console:saveRedirectUris'))}</section>`
  : ''}
<section>
${a.confidential
  ? html`<h2>${t('console:clientSecret')}</h2>
${sessionForm(d.actions.rotateSecret, d.csrfToken, html`<p class="muted">${t('console:rotateExplain')}</p>`, t('console:rotate'), 'secondary')}`
  : ''}
<h2>${t('console:deleteHeading')}</h2>
${sessionForm(d.actions.delete, d.csrfToken, html`<p class="muted">${t('console:deleteExplain')}</p>`, t('console:delete'), 'danger')}
</section>
</div>`,
    'console',
  );
}

function secondFactorPage(d: SecondFactorPageData, ctx: PageContext): string {
  const t = ctx.t;
  const error = errorLine(ctx, d.error);
  const codeField = html`<input type="hidden" name="next" value="${d.next}">
<label for="code">${d.mode === 'verify' ? t('mfa:codeOrBackup') : t('mfa:codeInApp')}</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" required autofocus>`;
  if (d.mode === 'verify') {
    return layout(ctx, t('mfa:title'), html`<h1>${t('mfa:title')}</h1>
${signedInAs(ctx, d.username)}
${error}
${d.passkeyOnly ? '' : sessionForm(d.action, d.csrfToken, codeField, t('mfa:verify'))}
${d.passkey ? passkeySecondFactor(ctx, d.passkey, d.passkeyOnly === true) : ''}`);
  }
  if (d.mode === 'enroll') {
    return layout(ctx, t('mfa:setUp'), html`<h1>${t('mfa:setUp')}</h1>
${signedInAs(ctx, d.username)}
${d.required ? html`<p>${t('mfa:required')}</p>` : ''}
${error}
<p>${t('mfa:scan')}</p>
<p><img class="qr" src="${d.qr ?? ''}" alt="${t('mfa:qrAlt')}" width="200" height="200"></p>
<p>${t('mfa:key')} <code id="totp_secret">${d.secret ?? ''}</code></p>
${sessionForm(d.action, d.csrfToken, codeField, t('mfa:turnOn'))}`);
  }
  return layout(ctx, t('mfa:codesTitle'), html`<h1>${t('mfa:codesHeading')}</h1>
<p>${t('mfa:codesExplain')}</p>
${backupCodesToKeep(ctx, d.backupCodes ?? [], d.download)}
<div class="actions"><a class="button" href="${d.continueHref ?? '/account'}">${t('common:continue')}</a></div>`);
}

/** One renderer per page the core can ask for. */
const RENDERERS: { [K in PageName]: (data: never, ctx: PageContext) => string } = {
  login: loginPage,
  consent: consentPage,
  error: errorPage,
  account: accountPage,
  logout: logoutPage,
  message: messagePage,
  device: devicePage,
  console: consolePage,
  'second-factor': secondFactorPage,
  'link-account': linkAccountPage,
  admin: adminPage,
  home: homePage,
  'account-security': accountSecurityPage,
  'forgot-password': forgotPasswordPage,
  'reset-password': resetPasswordPage,
  signup: signupPage,
  'signup-notice': signupNoticePage,
  'confirm-email': confirmEmailPage,
  'email-unverified': emailUnverifiedPage,
};

/** Origins of the images a page shows from elsewhere (an app's logo): its response's CSP allows exactly these. */
export function imageOrigins(page: PageName, data: PageData): string[] {
  const logo = page === 'consent' ? (data as ConsentPageData).logoUri : undefined;
  return logo ? [new URL(logo).origin] : [];
}

export function renderPage(page: PageName, data: PageData, ctx: PageContext): string {
  return (RENDERERS[page] as (d: PageData, c: PageContext) => string)(data, ctx);
}
