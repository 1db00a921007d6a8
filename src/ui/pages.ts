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
import { html, type SafeHtml } from './html.js';
import { htmlDocument } from './document.js';
import type { PageContext } from './page-context.js';
import { adminPage } from './admin/index.js';
import { homePage } from './home.js';
import { accountSecurityPage, backupCodesToKeep } from './account-security.js';
import { passkeySecondFactor, passkeySignIn } from './passkeys.js';
import { forgotPasswordPage, resetPasswordPage } from './password-reset.js';

function hiddenFields(fields: Record<string, string>): SafeHtml[] {
  return Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
}

function layout(ctx: PageContext, title: string, body: SafeHtml, bodyClass?: string): string {
  return htmlDocument(ctx, title, html`<main>${body}</main>`, bodyClass);
}

function loginPage(d: LoginPageData, ctx: PageContext): string {
  return layout(ctx, 'Sign in',
    html`<h1>Sign in</h1>
<p>to continue to <strong>${d.clientName}</strong></p>
${d.error ? html`<p class="error" role="alert">${d.error}</p>` : ''}
<form method="post" action="${d.action}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
${hiddenFields(d.hidden ?? {})}
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="${d.passkey ? 'username webauthn' : 'username'}" autocapitalize="none" spellcheck="false" required value="${d.username}"${d.username ? '' : html` autofocus`}>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password"${d.homeRealm ? '' : html` required`}${d.username ? html` autofocus` : ''}>
${d.homeRealm ? html`<p class="muted">With a work address, leave the password empty to continue with your organization's sign-in.</p>` : ''}
<div class="actions"><button type="submit">Sign in</button></div>
</form>
${d.forgotPasswordHref ? html`<p><a href="${d.forgotPasswordHref}">Forgot password?</a></p>` : ''}
${d.passkey ? passkeySignIn(ctx, d.passkey) : ''}
${(d.providers ?? []).length > 0 ? html`<div class="providers">${(d.providers ?? []).map((p) => html`<p><a class="button secondary" href="${p.href}">Continue with ${p.name}</a></p>`)}</div>` : ''}`,
  );
}

function linkAccountPage(d: LinkAccountPageData, ctx: PageContext): string {
  return layout(ctx, 'Link your account',
    html`<h1>You already have an account here</h1>
<p>An account here uses the address <strong>${d.email}</strong> that ${d.providerName} gave. Sign in to it once to link ${d.providerName} to it, or make a separate account.</p>
${d.error ? html`<p class="error" role="alert">${d.error}</p>` : ''}
<form method="post" action="${d.action}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
${hiddenFields(d.hidden)}
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" value="${d.username}" autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password">
<div class="actions">
<button type="submit" name="decision" value="link">Link and sign in</button>
<button type="submit" name="decision" value="new" class="secondary">Make a separate account</button>
</div>
</form>`,
  );
}

function consentPage(d: ConsentPageData, ctx: PageContext): string {
  return layout(ctx, 'Allow access',
    html`${d.logoUri ? html`<img class="logo" src="${d.logoUri}" alt="" width="64" height="64" referrerpolicy="no-referrer">` : ''}
<h1>${d.clientName} wants to access your account</h1>
<p class="muted">Signed in as ${d.username}</p>
${d.description ? html`<p class="description">${d.description}</p>` : ''}
${d.unverified ? html`<p class="warning" role="note"><strong>Unverified app.</strong> This app was registered by its developer; the operator of this server has not checked who made it. Allow it only if you trust where you came from.</p>` : ''}
${scopeList(d.scopes)}
<p class="muted">You will be sent back to <strong>${d.redirectTo}</strong></p>
${decisionForm(d.action, d.csrfToken)}`,
  );
}

function errorPage(d: ErrorPageData, ctx: PageContext): string {
  return layout(ctx, 'Something went wrong',
    html`<h1>Something went wrong</h1>
<p>${d.description}</p>
<p class="muted">Error: <code>${d.error}</code></p>
${d.reference ? html`<p class="muted">Reference: <code id="reference">${d.reference}</code></p>` : ''}`,
  );
}

function accountPage(d: AccountPageData, ctx: PageContext): string {
  const apps =
    d.apps.length === 0
      ? html`<p class="muted">You have not allowed any applications.</p>`
      : html`<ul class="apps">${d.apps.map(
          (a) => html`<li>
<strong>${a.clientName}</strong> <span class="muted">since ${a.since}</span>
<ul class="scopes">${a.scopes.map((s) => html`<li>${s.description} <code>${s.name}</code></li>`)}</ul>
<form method="post" action="${d.revokeAction}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<input type="hidden" name="grant_id" value="${a.grantId}">
<button type="submit" class="secondary">Revoke access</button>
</form>
</li>`,
        )}</ul>`;
  return layout(ctx, 'Your account',
    html`<h1>Your account</h1>
<p class="muted">Signed in as ${d.username}</p>
${d.notice ? html`<p role="status">${d.notice}</p>` : ''}
<h2>Applications you allowed</h2>
${apps}
<h2>How you sign in</h2>
<ul class="methods">${d.signInMethods.map(
      (m) => html`<li>${m.label}${m.unlink
        ? html` <form method="post" action="${d.unlinkAction}" class="inline">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<input type="hidden" name="provider" value="${m.unlink.provider}">
<input type="hidden" name="subject" value="${m.unlink.subject}">
<button type="submit" class="secondary">Unlink</button>
</form>`
        : ''}</li>`,
    )}</ul>
<h2>Two-step verification</h2>
${d.secondFactor.enabled
  ? html`<p>On: sign-ins ask for a code from your authenticator app. <span class="muted">${d.secondFactor.backupCodesLeft} backup codes left.</span></p>`
  : html`<p class="muted">Off. Add a code from an authenticator app to your password.</p>
${sessionForm(d.secondFactor.action, d.secondFactor.csrfToken, '', 'Set up two-step verification', 'secondary')}`}
${d.securityHref ? html`<p><a href="${d.securityHref}">Password, sessions and security</a></p>` : ''}
<form method="post" action="${d.logoutAction}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<div class="actions"><button type="submit">Sign out</button></div>
</form>`,
  );
}

function logoutPage(d: LogoutPageData, ctx: PageContext): string {
  return layout(ctx, 'Sign out',
    html`<h1>Sign out?</h1>
<p>${d.clientName ? html`<strong>${d.clientName}</strong> asks to sign you out of Tessera.` : 'Do you want to sign out of Tessera?'}</p>
<form method="post" action="${d.action}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
${hiddenFields(d.hidden)}
<div class="actions"><button type="submit">Sign out</button></div>
</form>`,
  );
}

/** The Allow / Deny form of a consent (DESIGN.md §7: buttons named `decision`). */
function decisionForm(action: string, csrfToken: string, hidden: Record<string, string> = {}): SafeHtml {
  return html`<form method="post" action="${action}">
<input type="hidden" name="csrf" value="${csrfToken}">
${hiddenFields(hidden)}
<div class="actions">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</div>
</form>`;
}

/** What an app may do, grouped: the account itself first, then each API by name. */
function scopeList(scopes: { name: string; description: string; api?: string }[]): SafeHtml {
  if (scopes.length === 0) return html`<p>It asks for no access beyond knowing that you signed in.</p>`;
  const groups = new Map<string, { name: string; description: string }[]>();
  for (const s of scopes) groups.set(s.api ?? '', [...(groups.get(s.api ?? '') ?? []), s]);
  const items = (list: { name: string; description: string }[]) => html`<ul class="scopes">${list.map((s) => html`<li>${s.description} <code>${s.name}</code></li>`)}</ul>`;
  return html`<p>It will be able to:</p>${[...groups].map(([api, list]) => (api === '' ? items(list) : html`<h2 class="api">${api}</h2>${items(list)}`))}`;
}

function devicePage(d: DevicePageData, ctx: PageContext): string {
  if (d.step === 'code') {
    return layout(ctx, 'Connect a device',
      html`<h1>Connect a device</h1>
<p class="muted">Signed in as ${d.username}</p>
${d.error ? html`<p class="error" role="alert">${d.error}</p>` : ''}
<form method="post" action="${d.action}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<label for="user_code">Enter the code shown on your device</label>
<input type="text" id="user_code" name="user_code" autocomplete="off" autocapitalize="characters" spellcheck="false" required autofocus value="${d.userCode}">
<div class="actions"><button type="submit">Continue</button></div>
</form>`,
    );
  }
  return layout(ctx, 'Allow access',
    html`<h1>${d.clientName ?? ''} wants to access your account</h1>
<p class="muted">Signed in as ${d.username}</p>
${d.userCode ? html`<p>Check that your device shows the code <strong>${d.userCode}</strong>.</p>` : html`<p>Check that this is the app you are connecting on your device.</p>`}
${scopeList(d.scopes ?? [])}
${decisionForm(d.action, d.csrfToken, d.requestRef ? { request: d.requestRef } : {})}`,
  );
}

function messagePage(d: MessagePageData, ctx: PageContext): string {
  return layout(ctx, d.title, html`<h1>${d.title}</h1>
<p>${d.message}</p>
${d.link ? html`<p><a href="${d.link.href}">${d.link.label}</a></p>` : ''}`);
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
  const header = html`<p class="muted">Signed in as ${d.username} · <a href="${d.consoleHref}">Your apps</a></p>
${d.error ? html`<p class="error" role="alert">${d.error}</p>` : ''}
${d.notice ? html`<p role="status">${d.notice}</p>` : ''}`;
  if (d.view === 'list') {
    const apps =
      d.apps.length === 0
        ? html`<p class="muted">You have not registered any apps yet.</p>`
        : html`<ul class="apps">${d.apps.map((a) => html`<li><a href="${a.href}"><strong>${a.name}</strong></a><br><span class="muted">${a.typeLabel}</span><br><code>${a.clientId}</code></li>`)}</ul>`;
    const form = html`
<label for="name">App name</label>
<input type="text" id="name" name="name" required maxlength="200" value="${d.form.name}">
<label for="type">Kind of app</label>
<select id="type" name="type">${d.types.map((t) => html`<option value="${t.value}"${t.value === d.form.type ? html` selected` : ''}>${t.label}</option>`)}</select>
<label for="redirect_uris">Redirect URIs <span class="muted">(one per line; not used by services)</span></label>
<textarea id="redirect_uris" name="redirect_uris" rows="3" spellcheck="false">${d.form.redirectUris}</textarea>
<fieldset><legend>Scopes the app may ask for</legend>
${d.scopes.map((s) => html`<label class="check"><input type="checkbox" name="scope:${s.name}"${s.checked ? html` checked` : ''}> ${s.description} <code>${s.name}</code></label>`)}
<p class="muted">${d.serviceScopes.length > 0
  ? html`A service gets the API scopes checked here, or with none checked every API scope open to services: <code>${d.serviceScopes.join(' ')}</code>.`
  : 'No API scope is open to services registered here: a service gets none until the operator gives it some.'}</p>
</fieldset>
<label for="logo_uri">Logo URL <span class="muted">(optional, https)</span></label>
<input type="url" id="logo_uri" name="logo_uri" value="${d.form.logoUri}">
<label for="description">Description <span class="muted">(optional)</span></label>
<textarea id="description" name="description" rows="2" maxlength="1000">${d.form.description}</textarea>`;
    return layout(ctx, 'Developer console',
      html`<h1>Your apps</h1>
${header}
<div class="columns">
<section>${apps}</section>
<section><h2>Register an app</h2>
${sessionForm(d.createAction, d.csrfToken, form, 'Register app')}</section>
</div>`,
      'console',
    );
  }
  const a = d.app;
  const secret = d.secret
    ? html`<div class="secret" role="status"><p><strong>Client secret</strong> — copy it now: it is shown only this once.</p>
<p><code id="client_secret">${d.secret}</code></p></div>`
    : '';
  return layout(ctx, a.name,
    html`<h1>${a.name}</h1>
${header}
<dl class="facts">
<dt>Client ID</dt><dd><code id="client_id">${a.clientId}</code></dd>
<dt>Kind</dt><dd>${a.typeLabel}</dd>
<dt>Scopes</dt><dd>${a.scopes.length > 0 ? html`<code>${a.scopes.join(' ')}</code>` : 'none'}${a.noScopes ? html`<br><span class="muted">${a.noScopes}</span>` : ''}</dd>
<dt>Registered</dt><dd>${a.createdAt}</dd>
${a.description ? html`<dt>Description</dt><dd>${a.description}</dd>` : ''}
${a.logoUri ? html`<dt>Logo URL</dt><dd><code>${a.logoUri}</code></dd>` : ''}
</dl>
${secret}
<div class="columns">
${a.usesRedirects
  ? html`<section><h2>Redirect URIs</h2>
${sessionForm(d.actions.redirectUris, d.csrfToken, html`<label for="redirect_uris">One per line</label>
<textarea id="redirect_uris" name="redirect_uris" rows="3" spellcheck="false">${a.redirectUris.join('\n')}</textarea>`, 'Save redirect URIs')}</section>`
  : ''}
<section>
${a.confidential
  ? html`<h2>Client secret</h2>
${sessionForm(d.actions.rotateSecret, d.csrfToken, html`<p class="muted">A new secret replaces the current one at once.</p>`, 'Rotate secret', 'secondary')}`
  : ''}
<h2>Delete</h2>
${sessionForm(d.actions.delete, d.csrfToken, html`<p class="muted">Deleting the app revokes every token it holds. This cannot be undone.</p>`, 'Delete app', 'danger')}
</section>
</div>`,
    'console',
  );
}

function secondFactorPage(d: SecondFactorPageData, ctx: PageContext): string {
  const error = d.error ? html`<p class="error" role="alert">${d.error}</p>` : '';
  const codeField = html`<input type="hidden" name="next" value="${d.next}">
<label for="code">${d.mode === 'verify' ? 'Code from your authenticator app, or a backup code' : 'Code shown in the app'}</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" required autofocus>`;
  if (d.mode === 'verify') {
    return layout(ctx, 'Two-step verification', html`<h1>Two-step verification</h1>
<p class="muted">Signed in as ${d.username}</p>
${error}
${d.passkeyOnly ? '' : sessionForm(d.action, d.csrfToken, codeField, 'Verify')}
${d.passkey ? passkeySecondFactor(ctx, d.passkey, d.passkeyOnly === true) : ''}`);
  }
  if (d.mode === 'enroll') {
    return layout(ctx, 'Set up two-step verification', html`<h1>Set up two-step verification</h1>
<p class="muted">Signed in as ${d.username}</p>
${d.required ? html`<p>This sign-in needs a second factor. Set one up to continue.</p>` : ''}
${error}
<p>Scan this code with an authenticator app, or type the key into it.</p>
<p><img class="qr" src="${d.qr ?? ''}" alt="QR code of your authenticator key" width="200" height="200"></p>
<p>Key: <code id="totp_secret">${d.secret ?? ''}</code></p>
${sessionForm(d.action, d.csrfToken, codeField, 'Turn on')}`);
  }
  return layout(ctx, 'Backup codes', html`<h1>Save your backup codes</h1>
<p>Two-step verification is on. If you lose your phone, each of these codes signs you in once. Keep them somewhere safe: they are shown only now.</p>
${backupCodesToKeep(d.backupCodes ?? [], d.download)}
<div class="actions"><a class="button" href="${d.continueHref ?? '/account'}">Continue</a></div>`);
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
};

/** Origins of the images a page shows from elsewhere (an app's logo): its response's CSP allows exactly these. */
export function imageOrigins(page: PageName, data: PageData): string[] {
  const logo = page === 'consent' ? (data as ConsentPageData).logoUri : undefined;
  return logo ? [new URL(logo).origin] : [];
}

export function renderPage(page: PageName, data: PageData, ctx: PageContext): string {
  return (RENDERERS[page] as (d: PageData, c: PageContext) => string)(data, ctx);
}
