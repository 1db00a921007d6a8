import type {
  AccountPageData,
  ConsentPageData,
  DevicePageData,
  ErrorPageData,
  LoginPageData,
  LogoutPageData,
  MessagePageData,
  PageData,
  PageName,
} from '../core/protocol.js';
import { html, type SafeHtml } from './html.js';

function hiddenFields(fields: Record<string, string>): SafeHtml[] {
  return Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
}

function layout(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · Tessera</title>
<link rel="stylesheet" href="/assets/tessera.css">
</head>
<body><main>${body}</main></body>
</html>
`.value;
}

function loginPage(d: LoginPageData): string {
  return layout(
    'Sign in',
    html`<h1>Sign in</h1>
<p>to continue to <strong>${d.clientName}</strong></p>
${d.error ? html`<p class="error" role="alert">${d.error}</p>` : ''}
<form method="post" action="${d.action}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
${hiddenFields(d.hidden ?? {})}
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${d.username}"${d.username ? '' : html` autofocus`}>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required${d.username ? html` autofocus` : ''}>
<div class="actions"><button type="submit">Sign in</button></div>
</form>`,
  );
}

function consentPage(d: ConsentPageData): string {
  return layout(
    'Allow access',
    html`<h1>${d.clientName} wants to access your account</h1>
<p class="muted">Signed in as ${d.username}</p>
${d.unverified ? html`<p class="warning" role="note"><strong>Unverified app.</strong> This app registered itself; Tessera has not checked who made it. Allow it only if you trust where you came from.</p>` : ''}
${scopeList(d.scopes)}
${decisionForm(d.action, d.csrfToken)}`,
  );
}

function errorPage(d: ErrorPageData): string {
  return layout(
    'Something went wrong',
    html`<h1>Something went wrong</h1>
<p>${d.description}</p>
<p class="muted">Error: <code>${d.error}</code></p>`,
  );
}

function accountPage(d: AccountPageData): string {
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
  return layout(
    'Your account',
    html`<h1>Your account</h1>
<p class="muted">Signed in as ${d.username}</p>
${d.notice ? html`<p role="status">${d.notice}</p>` : ''}
<h2>Applications you allowed</h2>
${apps}
<form method="post" action="${d.logoutAction}">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<div class="actions"><button type="submit">Sign out</button></div>
</form>`,
  );
}

function logoutPage(d: LogoutPageData): string {
  return layout(
    'Sign out',
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

function scopeList(scopes: { name: string; description: string }[]): SafeHtml {
  return scopes.length > 0
    ? html`<p>It will be able to:</p><ul class="scopes">${scopes.map((s) => html`<li>${s.description} <code>${s.name}</code></li>`)}</ul>`
    : html`<p>It asks for no access beyond knowing that you signed in.</p>`;
}

function devicePage(d: DevicePageData): string {
  if (d.step === 'code') {
    return layout(
      'Connect a device',
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
  return layout(
    'Allow access',
    html`<h1>${d.clientName ?? ''} wants to access your account</h1>
<p class="muted">Signed in as ${d.username}</p>
<p>Check that your device shows the code <strong>${d.userCode}</strong>.</p>
${scopeList(d.scopes ?? [])}
${decisionForm(d.action, d.csrfToken, { user_code: d.userCode })}`,
  );
}

function messagePage(d: MessagePageData): string {
  return layout(d.title, html`<h1>${d.title}</h1>
<p>${d.message}</p>`);
}

/** One renderer per page the core can ask for. */
const RENDERERS: { [K in PageName]: (data: never) => string } = {
  login: loginPage,
  consent: consentPage,
  error: errorPage,
  account: accountPage,
  logout: logoutPage,
  message: messagePage,
  device: devicePage,
};

export function renderPage(page: PageName, data: PageData): string {
  return (RENDERERS[page] as (d: PageData) => string)(data);
}
