import { say } from './i18n/say.js';
import type { AccountSecurityPageData } from '../core/interaction/account-security/page-data.js';
import type { PageData, PageName, PasskeyPrompt } from '../core/protocol.js';
import { html, type SafeHtml } from './html.js';
import type { PageContext } from './page-context.js';
import { PASSKEY_SCRIPT_PATH } from './passkey-script.js';

/** The messages the script shows, passed as data-msg-* in the page's language. */
function messages(ctx: PageContext): SafeHtml {
  return html` data-msg-unsupported="${ctx.t('passkeys:unsupported')}" data-msg-cancelled="${ctx.t('passkeys:cancelled')}" data-msg-failed="${ctx.t('passkeys:failed')}" data-msg-exists="${ctx.t('passkeys:alreadyRegistered')}"`;
}

const hidden = (fields: Record<string, string>) => Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);

/** A form the passkey script drives: the options in data-options, the answer posted in `credential`. */
function ceremonyForm(ctx: PageContext, kind: 'sign-in' | 'second-factor' | 'register', prompt: PasskeyPrompt, body: SafeHtml | string, button: string, extra: SafeHtml | string = ''): SafeHtml {
  return html`<form method="post" action="${prompt.action}" class="passkey" data-passkey="${kind}" data-options="${prompt.options}"${messages(ctx)}${extra}>
<input type="hidden" name="csrf" value="${prompt.csrfToken}">
${hidden(prompt.hidden)}
<input type="hidden" name="credential" value="">
${body}
<p data-passkey-status class="error" role="alert" hidden></p>
<div class="actions"><button type="submit" class="secondary" id="passkey-${kind}">${button}</button></div>
</form>
<script src="${PASSKEY_SCRIPT_PATH}" defer></script>`;
}

/** "Sign in with a passkey" under the login form; the username field's autofill offers passkeys too (conditional mediation). */
export function passkeySignIn(ctx: PageContext, prompt: PasskeyPrompt): SafeHtml {
  return ceremonyForm(ctx, 'sign-in', prompt, '', ctx.t('passkeys:signIn'), html` data-conditional`);
}

/** The second-factor page's passkey choice. */
export function passkeySecondFactor(ctx: PageContext, prompt: PasskeyPrompt, only: boolean): SafeHtml {
  return html`<h2>${ctx.t('passkeys:useTitle')}</h2>
${only ? html`<p>${ctx.t('passkeys:onlyPasskey')}</p>` : ''}
${ceremonyForm(ctx, 'second-factor', prompt, '', ctx.t('passkeys:usePasskey'))}`;
}

const day = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);

/** The passkeys section of /account/security: the list (rename, remove) and "Add a passkey". */
export function passkeysSection(ctx: PageContext, d: AccountSecurityPageData): SafeHtml {
  const { passkeys } = d;
  const error = d.error?.section === 'passkeys' ? html`<p class="error" role="alert">${say(ctx, d.error.message)}</p>` : '';
  const removable = passkeys.list.length > 1 || passkeys.canRemoveLast;
  const items = passkeys.list.map(
    (p, i) => html`<li>
<strong>${p.name}</strong> <span class="muted">${ctx.t(p.synced ? 'passkeys:synced' : 'passkeys:deviceBound')} · ${ctx.t('passkeys:added', { date: day(p.createdAt) })} · ${p.lastUsedAt === null ? ctx.t('passkeys:neverUsed') : ctx.t('passkeys:lastUsed', { date: day(p.lastUsedAt) })}</span>
<form method="post" action="${d.actions.renamePasskey}" class="inline">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<input type="hidden" name="passkey" value="${p.id}">
<label for="passkey_name_${String(i)}">${ctx.t('passkeys:newName')}</label>
<input type="text" id="passkey_name_${String(i)}" name="name" maxlength="64" required value="${p.name}">
<button type="submit" class="secondary">${ctx.t('passkeys:rename')}</button>
</form>
${removable
  ? html`<form method="post" action="${d.actions.removePasskey}" class="inline">
<input type="hidden" name="csrf" value="${d.csrfToken}">
<input type="hidden" name="passkey" value="${p.id}">
<button type="submit" class="danger" aria-label="${ctx.t('passkeys:removeNamed', { name: p.name })}">${ctx.t('passkeys:remove')}</button>
</form>`
  : ''}
</li>`,
  );
  const add = passkeys.registrationOptions
    ? ceremonyForm(
        ctx,
        'register',
        { action: d.actions.addPasskey, csrfToken: d.csrfToken, hidden: {}, options: passkeys.registrationOptions },
        html`<label for="passkey_name">${ctx.t('passkeys:nameLabel')}</label>
<input type="text" id="passkey_name" name="name" maxlength="64" autocomplete="off" placeholder="${ctx.t('passkeys:namePlaceholder')}">`,
        ctx.t('passkeys:add'),
      )
    : html`<p class="muted">${ctx.t('passkeys:reauth', { minutes: passkeys.reauthMinutes })}</p>`;
  return html`<h2 id="passkeys">${ctx.t('passkeys:title')}</h2>
<p class="muted">${ctx.t('passkeys:intro')}</p>
${error}
${passkeys.list.length > 0 ? html`<ul class="passkeys">${items}</ul>` : html`<p class="muted">${ctx.t('passkeys:none')}</p>`}
<h3>${ctx.t('passkeys:addTitle')}</h3>
${add}`;
}

/** Whether a page runs the passkey script (its CSP then allows scripts from this server). */
export function usesPasskeyScript(page: PageName, data: PageData): boolean {
  if (page === 'login' || page === 'second-factor') return (data as { passkey?: PasskeyPrompt }).passkey !== undefined;
  if (page === 'account-security') return (data as AccountSecurityPageData).passkeys?.registrationOptions !== undefined && (data as AccountSecurityPageData).newBackupCodes === undefined;
  return false;
}
