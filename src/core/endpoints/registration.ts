import type { Context } from '../context.js';
import type { Client, ClientExtras } from '../clients/client.js';
import { toMetadataView } from '../clients/client.js';
import { OAuthError } from '../errors.js';
import { randomToken, safeEqual, sha256 } from '../crypto.js';
import { NO_STORE, json, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { ClientMetadataError, buildClient, changeClient, checkSelfServiceClient, type ClientInput } from '../clients/registration.js';
import { revokeClient } from '../lifecycle/revoke.js';
import { ClientChangedMeanwhile, changeClientMetadata } from '../clients/change.js';
import { bearerError, bearerToken } from './bearer.js';
import { errorJson } from './form.js';
import { PATHS } from './discovery.js';
import { requester } from '../audit.js';
import { failedCredential } from '../clients/authenticate.js';
import { idTokenAlg } from '../tokens/lifetimes.js';

const metadataError = (description: string) => new OAuthError('invalid_client_metadata', description);

function strings(body: Record<string, unknown>, name: string): string[] | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw metadataError(`${name} must be an array of strings`);
  return value as string[];
}

function text(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw metadataError(`${name} must be a string`);
  return value;
}

/**
 * RFC 7591 §2 metadata into the operator's client input, with the defaults the RFC gives. Fields we
 * do not know are ignored (§2); `client_id` and `client_secret` are always the server's choice (§3.1).
 */
function metadataInput(raw: unknown): ClientInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw metadataError('the body must be a JSON object of client metadata');
  const body = raw as Record<string, unknown>;
  const grantTypes = strings(body, 'grant_types') ?? ['authorization_code'];
  const responseTypes = strings(body, 'response_types') ?? (grantTypes.includes('authorization_code') ? ['code'] : []);
  if (grantTypes.includes('password') || grantTypes.includes('implicit')) throw metadataError('the password and implicit grants cannot be registered (RFC 9700 §2.1.2, §2.4)');
  if (responseTypes.some((r) => r !== 'code')) throw metadataError("only the 'code' response type is supported");
  // RFC 7591 §2.1: grant types and response types must agree.
  if (responseTypes.includes('code') !== grantTypes.includes('authorization_code')) throw metadataError("'code' response type and 'authorization_code' grant type go together");
  const method = text(body, 'token_endpoint_auth_method') ?? 'client_secret_basic';
  const applicationType = text(body, 'application_type') ?? 'web';
  const redirectUris = strings(body, 'redirect_uris') ?? [];

  const extras: ClientExtras = {};
  for (const field of ['logo_uri', 'policy_uri', 'tos_uri', 'client_uri', 'jwks_uri'] as const) {
    const value = text(body, field);
    if (value !== undefined) extras[field] = value;
  }
  const contacts = strings(body, 'contacts');
  if (contacts) extras.contacts = contacts;

  const scope = text(body, 'scope');
  const input: ClientInput = {
    name: text(body, 'client_name') ?? 'Unnamed application',
    type: method === 'none' ? 'public' : 'confidential',
    applicationType: applicationType as ClientInput['applicationType'] & string,
    redirectUris,
    postLogoutRedirectUris: strings(body, 'post_logout_redirect_uris') ?? [],
    grantTypes,
    tokenEndpointAuthMethod: method,
    extras,
    // OpenID Connect Dynamic Client Registration §2: absent means the default (and a PUT that omits it returns to it).
    idTokenAlg: text(body, 'id_token_signed_response_alg') ?? null,
  };
  if (scope !== undefined) input.scopes = scope.split(' ').filter((s) => s !== '');
  return input;
}

/** Client metadata rules broken, named as RFC 7591 §3.2.2 wants. */
function asRegistrationError(e: unknown): unknown {
  if (e instanceof ClientChangedMeanwhile) return new OAuthError('invalid_request', e.message, { status: 409 });
  if (!(e instanceof ClientMetadataError)) return e;
  const code = e.field === 'redirect_uris' || e.field === 'post_logout_redirect_uris' ? 'invalid_redirect_uri' : 'invalid_client_metadata';
  return new OAuthError(code, e.message);
}

function requireJson(req: ProtocolRequest): unknown {
  if (req.contentType !== 'application/json') throw new OAuthError('invalid_client_metadata', 'the body must be application/json', { status: 400 });
  return req.json;
}

/** The client as RFC 7591 §3.2.1 / RFC 7592 §3 return it. */
function registrationView(ctx: Context, client: Client, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { disabled: _disabled, client_type: _type, ...view } = toMetadataView(client);
  return { ...view, id_token_signed_response_alg: idTokenAlg(ctx.config, client), registration_client_uri: `${ctx.config.issuer}${PATHS.registration}/${encodeURIComponent(client.clientId)}`, ...extra };
}

/** Bad bearer tokens are counted like failed client authentication: per address (never for everyone), and per client for RFC 7592. */
const REGISTRATION_SUBJECT = 'registration';

/**
 * Initial access tokens (§3) unless the operator opened registration to anyone: the hash of a live
 * token, not yet spent. It is spent only once the registration is accepted (`spendInitialAccessToken`).
 */
async function checkInitialAccessToken(ctx: Context, req: ProtocolRequest): Promise<string | undefined> {
  if (ctx.config.openRegistration) return undefined;
  const tokenHash = sha256(bearerToken(req));
  if (!(await ctx.stores.initialAccessTokens.isLive(tokenHash, ctx.now()))) {
    throw await failedCredential(ctx, REGISTRATION_SUBJECT, requester(req), 'invalid_token', bearerError('invalid_token', 'the initial access token is invalid, expired or used up'));
  }
  return tokenHash;
}

/** Spends one use, atomically: concurrent registrations with a token's last use get one client between them. */
async function spendInitialAccessToken(ctx: Context, tokenHash: string | undefined): Promise<void> {
  if (tokenHash !== undefined && !(await ctx.stores.initialAccessTokens.use(tokenHash, ctx.now()))) {
    throw bearerError('invalid_token', 'the initial access token is invalid, expired or used up');
  }
}

/** RFC 7592: only the registration access token of this very client may read, change or delete it. */
async function ownClient(ctx: Context, req: ProtocolRequest, clientId: string): Promise<Client> {
  const token = bearerToken(req);
  const client = await ctx.stores.clients.find(clientId);
  if (!client || client.registrationTokenHash === null || !safeEqual(sha256(token), client.registrationTokenHash)) {
    throw await failedCredential(ctx, clientId, requester(req), 'invalid_token', bearerError('invalid_token', 'the registration access token is not valid for this client'));
  }
  return client;
}

const recordChange = (ctx: Context, req: ProtocolRequest, clientId: string, type: 'client.created' | 'client.changed' | 'client.deleted') =>
  ctx.audit.record({ type, clientId, ...requester(req), reason: 'dynamic_registration' });

/** Dynamic client registration (RFC 7591) and management (RFC 7592). */
export function registrationEndpoints(ctx: Context) {
  const respond = async (work: () => Promise<ProtocolResponse>): Promise<ProtocolResponse> => {
    try {
      return await work();
    } catch (e) {
      return errorJson(asRegistrationError(e));
    }
  };

  return {
    register: (req: ProtocolRequest) =>
      respond(async () => {
        if (req.method !== 'POST') throw new OAuthError('invalid_request', 'register with POST', { status: 405, headers: { Allow: 'POST' } });
        const initialAccessToken = await checkInitialAccessToken(ctx, req);
        const input = metadataInput(requireJson(req));
        const registrationToken = randomToken(32);
        const built = buildClient(input, ctx.pepper, ctx.now());
        // Never first-party, whatever the body says: only an operator vouches for an app (metadataInput ignores `first_party`).
        const client: Client = { ...built.client, origin: 'dynamic', firstParty: false, registrationTokenHash: sha256(registrationToken) };
        checkSelfServiceClient(client, ctx.config.selfServiceScopes);
        // A refused registration (bad metadata above) leaves the token's uses as they were.
        await spendInitialAccessToken(ctx, initialAccessToken);
        await ctx.stores.clients.create(client);
        await recordChange(ctx, req, client.clientId, 'client.created');
        const extra: Record<string, unknown> = { registration_access_token: registrationToken };
        if (built.secret !== undefined) Object.assign(extra, { client_secret: built.secret, client_secret_expires_at: 0 });
        return json(201, registrationView(ctx, client, extra), { ...NO_STORE });
      }),

    manage: (req: ProtocolRequest, clientId: string) =>
      respond(async () => {
        const client = await ownClient(ctx, req, clientId);
        if (req.method === 'GET') return json(200, registrationView(ctx, client), { ...NO_STORE });
        if (req.method === 'DELETE') {
          await revokeClient(ctx.stores, client, ctx.now(), 'delete');
          await recordChange(ctx, req, client.clientId, 'client.deleted');
          return json(204, undefined, { ...NO_STORE });
        }
        if (req.method !== 'PUT') throw new OAuthError('invalid_request', 'use GET, PUT or DELETE', { status: 405, headers: { Allow: 'GET, PUT, DELETE' } });
        const body = requireJson(req);
        // RFC 7592 §2.2: the body names the client it replaces.
        if (typeof body !== 'object' || body === null || (body as Record<string, unknown>)['client_id'] !== client.clientId) {
          throw metadataError('client_id in the body must be this client\'s id');
        }
        const input = metadataInput(body);
        // Only the registration is written, and only over what was read: an operator's disable, secret or require-MFA stays.
        const changed = await changeClientMetadata(
          ctx.stores,
          client.clientId,
          (current) => {
            const result = changeClient(current, input, ctx.pepper, ctx.now());
            checkSelfServiceClient(result.client, ctx.config.selfServiceScopes);
            return result;
          },
          ctx.now(),
        );
        if (!changed) throw bearerError('invalid_token', 'the registration access token is not valid for this client');
        await recordChange(ctx, req, client.clientId, 'client.changed');
        const extra = changed.secret === undefined ? {} : { client_secret: changed.secret, client_secret_expires_at: 0 };
        return json(200, registrationView(ctx, changed.client, extra), { ...NO_STORE });
      }),
  };
}
