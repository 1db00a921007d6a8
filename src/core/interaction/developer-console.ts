import type { Context } from '../context.js';
import { msg, type Message, type Said } from '../message.js';
import type { Client } from '../clients/client.js';
import { errorPage, page, type ConsoleAppForm, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { APP_TYPES, appTypeInput, appTypeLabel, appTypeOf, isAppType } from '../clients/app-types.js';
import { ClientMetadataError, buildClient, changeClient, checkSelfServiceClient, newClientSecret } from '../clients/registration.js';
import { revokeClient } from '../lifecycle/revoke.js';
import { ClientChangedMeanwhile, changeClientMetadata } from '../clients/change.js';
import { PATHS } from '../endpoints/discovery.js';
import { requester } from '../audit.js';
import { currentSession, type ActiveSession } from './session.js';
import { signInPage } from './sign-in.js';
import { SESSION_FORM } from './account.js';
import { checkedForm, formToken } from './form-token.js';
import { scopesOfNewService, serviceScopes } from '../clients/service-scopes.js';
import { describeScopes } from '../apis/scope-descriptions.js';

/** Apps one developer may hold, so that one account cannot fill the client table. */
export const MAX_APPS_PER_DEVELOPER = 50;

const EMPTY_FORM: ConsoleAppForm = { name: '', type: 'web', redirectUris: '', logoUri: '', description: '' };
const DEFAULT_SCOPES = ['openid', 'profile', 'email'];

const invalidForm = (): ProtocolResponse => errorPage(403, 'invalid_request', msg('errors:formReload'));
const noSuchApp = (): ProtocolResponse => errorPage(404, 'not_found', msg('console:error.noSuchApp'));

/** Whether the operator opened the console to this user (config.consoleUsers). */
export function mayUseConsole(ctx: Context, username: string): boolean {
  const allowed = ctx.config.consoleUsers;
  return allowed === 'all' || allowed.includes(username.toLowerCase());
}

const appHref = (ctx: Context, clientId: string, action = ''): string =>
  `${ctx.config.issuer}${PATHS.console}/apps/${encodeURIComponent(clientId)}${action}`;

/** One value per line (or separated by spaces): how a textarea of URIs is read. */
const lines = (text: string | undefined): string[] => (text ?? '').split(/\s+/).filter((l) => l !== '');

/** The developer console: signed-in users the operator allowed register and manage their own apps. */
export function developerConsoleEndpoints(ctx: Context) {
  const common = (session: ActiveSession) => ({
    username: session.user.username,
    csrfToken: formToken(ctx, SESSION_FORM, session.record.idHash),
    consoleHref: ctx.config.issuer + PATHS.console,
  });

  async function listView(session: ActiveSession, status = 200, form = EMPTY_FORM, chosen = DEFAULT_SCOPES, error?: Said): Promise<ProtocolResponse> {
    const [apps, described, forServices] = await Promise.all([ctx.stores.clients.listByOwner(session.user.id), describeScopes(ctx, ctx.config.selfServiceScopes), serviceScopes(ctx)]);
    return page(status, 'console', {
      ...common(session),
      ...(error ? { error } : {}),
      view: 'list',
      createAction: `${ctx.config.issuer}${PATHS.console}/apps`,
      apps: apps.map((c) => ({ name: c.name, clientId: c.clientId, typeLabel: appTypeLabel(appTypeOf(c)), href: appHref(ctx, c.clientId) })),
      types: APP_TYPES.map((t) => ({ value: t, label: appTypeLabel(t) })),
      scopes: described.map(({ name, description }) => ({ name, description, checked: chosen.includes(name) })),
      serviceScopes: forServices,
      form,
    });
  }

  function appView(session: ActiveSession, client: Client, extra: { status?: number; secret?: string; notice?: Message; error?: Said } = {}): ProtocolResponse {
    const type = appTypeOf(client);
    return page(extra.status ?? 200, 'console', {
      ...common(session),
      ...(extra.error ? { error: extra.error } : {}),
      ...(extra.notice ? { notice: extra.notice } : {}),
      ...(extra.secret ? { secret: extra.secret } : {}),
      view: 'app',
      app: {
        name: client.name,
        clientId: client.clientId,
        typeLabel: appTypeLabel(type),
        description: client.extras.description ?? '',
        logoUri: client.extras.logo_uri ?? '',
        redirectUris: client.redirectUris,
        scopes: client.scopes,
        createdAt: new Date(client.createdAt * 1000).toISOString().slice(0, 10),
        confidential: client.type === 'confidential',
        usesRedirects: type !== 'service',
        ...(type === 'service' && client.scopes.length === 0 ? { noScopes: msg('console:noScopes') } : {}),
      },
      actions: {
        redirectUris: appHref(ctx, client.clientId, '/redirect-uris'),
        rotateSecret: appHref(ctx, client.clientId, '/secret'),
        delete: appHref(ctx, client.clientId, '/delete'),
      },
    });
  }

  /** The signed-in developer, or the page to show instead (sign in, or not allowed). */
  async function developer(req: ProtocolRequest): Promise<ActiveSession | ProtocolResponse> {
    const session = await currentSession(ctx, req);
    if (!session) {
      // A form posted after the session ended goes back to the console, which asks to sign in.
      return req.method === 'GET' ? signInPage(ctx, req, PATHS.console) : { kind: 'redirect', location: ctx.config.issuer + PATHS.console };
    }
    if (!mayUseConsole(ctx, session.user.username)) {
      return errorPage(403, 'access_denied', msg('console:error.notOpen'));
    }
    return session;
  }

  const recordChange = (req: ProtocolRequest, session: ActiveSession, client: Client, type: 'client.created' | 'client.changed' | 'client.deleted', reason: string) =>
    ctx.audit.record({ type, userId: session.user.id, clientId: client.clientId, ...requester(req), reason });

  const isResponse = (v: ActiveSession | ProtocolResponse): v is ProtocolResponse => 'kind' in v;

  /** A POST of the console: signed in, allowed, carrying the session's form token. */
  async function post(req: ProtocolRequest): Promise<{ session: ActiveSession; form: Record<string, string> } | ProtocolResponse> {
    const session = await developer(req);
    if (isResponse(session)) return session;
    const form = checkedForm(ctx, req, SESSION_FORM, session.record.idHash);
    return form ? { session, form } : invalidForm();
  }

  /** The developer's own app; another user's app is as unknown as a missing one. */
  async function ownApp(session: ActiveSession, clientId: string): Promise<Client | undefined> {
    const client = await ctx.stores.clients.find(clientId);
    return client && client.ownerId === session.user.id ? client : undefined;
  }

  /** The gate of every action on one app: a checked POST of its own developer, else the page to show instead. */
  async function onOwnApp(
    req: ProtocolRequest,
    clientId: string,
    action: (session: ActiveSession, form: Record<string, string>, client: Client) => Promise<ProtocolResponse>,
  ): Promise<ProtocolResponse> {
    const checked = await post(req);
    if ('kind' in checked) return checked;
    const client = await ownApp(checked.session, clientId);
    return client ? action(checked.session, checked.form, client) : noSuchApp();
  }

  return {
    async show(req: ProtocolRequest): Promise<ProtocolResponse> {
      const session = await developer(req);
      return isResponse(session) ? session : listView(session);
    },

    async showApp(req: ProtocolRequest, clientId: string): Promise<ProtocolResponse> {
      const session = await developer(req);
      if (isResponse(session)) return session;
      const client = await ownApp(session, clientId);
      return client ? appView(session, client) : noSuchApp();
    },

    /** Registers an app; its secret is shown on the page that answers, and never again. */
    async create(req: ProtocolRequest): Promise<ProtocolResponse> {
      const checked = await post(req);
      if ('kind' in checked) return checked;
      const { session, form } = checked;
      const entered: ConsoleAppForm = {
        name: form['name'] ?? '',
        type: form['type'] ?? '',
        redirectUris: form['redirect_uris'] ?? '',
        logoUri: (form['logo_uri'] ?? '').trim(),
        description: (form['description'] ?? '').trim(),
      };
      const ticked = ctx.config.selfServiceScopes.filter((s) => form[`scope:${s}`] !== undefined);
      const refuse = (message: Said) => listView(session, 400, entered, ticked, message);
      if (!isAppType(entered.type)) return refuse(msg('console:error.chooseType'));
      const full = () => refuse(msg('console:error.tooMany', { max: MAX_APPS_PER_DEVELOPER }));
      if ((await ctx.stores.clients.listByOwner(session.user.id)).length >= MAX_APPS_PER_DEVELOPER) return full();
      // A service gets API scopes only; an app that signs users in gets what was checked.
      const scopes = entered.type === 'service' ? scopesOfNewService(ticked, await serviceScopes(ctx)) : ticked;
      try {
        const built = buildClient(
          {
            ...appTypeInput(entered.type),
            name: entered.name,
            redirectUris: entered.type === 'service' ? [] : lines(entered.redirectUris),
            scopes,
            extras: { ...(entered.logoUri ? { logo_uri: entered.logoUri } : {}), ...(entered.description ? { description: entered.description } : {}) },
          },
          ctx.pepper,
          ctx.now(),
        );
        // A developer's app is never first-party: only an operator vouches for an app.
        const client = { ...built.client, origin: 'console' as const, firstParty: false, ownerId: session.user.id };
        checkSelfServiceClient(client, ctx.config.selfServiceScopes);
        // The check above is for the common case; the store enforces the cap against concurrent requests.
        if (!(await ctx.stores.clients.createOwned(client, MAX_APPS_PER_DEVELOPER))) return full();
        await recordChange(req, session, client, 'client.created', 'console');
        return appView(session, client, { status: 201, ...(built.secret ? { secret: built.secret } : {}), notice: msg('console:notice.registered') });
      } catch (e) {
        if (e instanceof ClientMetadataError) return refuse(e.message);
        throw e;
      }
    },

    changeRedirectUris: (req: ProtocolRequest, clientId: string) =>
      onOwnApp(req, clientId, async (session, form, client) => {
        if (appTypeOf(client) === 'service') return appView(session, client, { status: 400, error: msg('console:error.serviceRedirects') });
        try {
          const redirectUris = lines(form['redirect_uris']);
          const changed = await changeClientMetadata(
            ctx.stores,
            client.clientId,
            (current) => {
              const result = changeClient(current, { redirectUris }, ctx.pepper, ctx.now());
              checkSelfServiceClient(result.client, ctx.config.selfServiceScopes);
              return result;
            },
            ctx.now(),
          );
          if (!changed) return { kind: 'redirect', location: ctx.config.issuer + PATHS.console };
          await recordChange(req, session, client, 'client.changed', 'redirect_uris');
          return appView(session, changed.client, { notice: msg('console:notice.redirectUrisSaved') });
        } catch (e) {
          if (e instanceof ClientMetadataError) return appView(session, client, { status: 400, error: e.message });
          if (e instanceof ClientChangedMeanwhile) return appView(session, client, { status: 409, error: msg('console:error.changedMeanwhile') });
          throw e;
        }
      }),

    /** A new secret replaces the old one at once; tokens already issued stay valid until they expire. */
    rotateSecret: (req: ProtocolRequest, clientId: string) =>
      onOwnApp(req, clientId, async (session, _form, client) => {
        if (client.type !== 'confidential') return appView(session, client, { status: 400, error: msg('console:error.noSecret') });
        const { secret, secretHash } = newClientSecret(ctx.pepper);
        const rotated = { ...client, secretHash, updatedAt: ctx.now() };
        // Only the secret is written: nothing else read above can overwrite a change made meanwhile.
        await ctx.stores.clients.setState(client.clientId, { secretHash }, rotated.updatedAt);
        await recordChange(req, session, client, 'client.changed', 'secret_rotated');
        return appView(session, rotated, { secret, notice: msg('console:notice.secretRotated') });
      }),

    /** Deletes the app and revokes everything issued to it. */
    delete: (req: ProtocolRequest, clientId: string) =>
      onOwnApp(req, clientId, async (session, _form, client) => {
        await revokeClient(ctx.stores, client, ctx.now(), 'delete');
        await recordChange(req, session, client, 'client.deleted', 'console');
        return { kind: 'redirect', location: ctx.config.issuer + PATHS.console };
      }),
  };
}
