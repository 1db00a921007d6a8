import type { Client, ClientState, Stores } from '../../store/ports.js';
import { checkedAttributeClaims } from '../access/claims.js';
import { toMetadataView } from '../clients/client.js';
import { ClientChangedMeanwhile, metadataOf } from '../clients/change.js';
import { buildClient, changeClient, newClientSecret, type ClientInput } from '../clients/registration.js';
import { enabledAgain, revokeClient, revokeClientGrants } from '../lifecycle/revoke.js';
import { findApi } from './apis.js';
import type { AdminContext } from './context.js';
import { NotFoundError, StaleVersionError } from './errors.js';

/**
 * Managing clients as an operator: one function per operation, which the CLI, the admin API and
 * the console call. Each validates, writes, cascades (a disabled or deleted client loses its
 * consents and tokens) and records an audit event. Bad metadata throws ClientMetadataError.
 */

export class ClientNotFoundError extends NotFoundError {
  override name = 'ClientNotFoundError';
  constructor(readonly clientId: string) {
    super(`no client with id '${clientId}'`);
  }
}

/** An operation that does not apply to the client as it is (a public client has no secret). */
export class ClientInputError extends Error {
  override name = 'ClientInputError';
}

/** What an operator sets on a new client: its metadata, and the attributes it receives as claims. */
export interface NewClient extends ClientInput {
  /** Attribute names; checked by checkedAttributeClaims. */
  attributeClaims?: string[];
}

/** What an operator changes; absent fields keep their value. */
export interface ClientUpdate extends NewClient {
  /** true: stop it from getting tokens and revoke its consents and tokens; false: let it get tokens again. */
  disabled?: boolean;
}

export interface UpdateOptions {
  /** Change the client only if it is still at this version (an HTTP If-Match); else StaleVersionError and nothing is written. */
  expectedVersion?: number;
}

/** A client and, when this operation made one, its new secret (shown only now). */
export interface ClientWithSecret {
  client: Client;
  secret?: string;
}

const TRIES = 5;

export async function findClient(stores: Stores, clientId: string): Promise<Client> {
  const client = await stores.clients.find(clientId);
  if (!client) throw new ClientNotFoundError(clientId);
  return client;
}

export function listClients(stores: Stores): Promise<Client[]> {
  return stores.clients.list();
}

/** A client as `client show --json` prints it: RFC 7591 member names; the secret only when given. */
export function clientView(client: Client, secret?: string): Record<string, unknown> {
  return { ...toMetadataView(client, secret) };
}

/** An API may be named by its name; the client keeps its identifier (what `resource` says). */
async function apiIdentifier(stores: Stores, api: string | null | undefined): Promise<string | null | undefined> {
  return api === undefined || api === null ? api : (await findApi(stores, api)).identifier;
}

export async function createClient(admin: AdminContext, input: NewClient): Promise<ClientWithSecret> {
  const { attributeClaims, ...metadata } = input;
  const claims = attributeClaims === undefined ? undefined : checkedAttributeClaims(attributeClaims);
  const defaultApi = await apiIdentifier(admin.stores, metadata.defaultApi);
  if (defaultApi !== undefined) metadata.defaultApi = defaultApi;
  const { client: built, secret } = buildClient(metadata, admin.pepper, admin.now);
  const client = claims === undefined ? built : { ...built, attributeClaims: claims };
  await admin.stores.clients.create(client);
  await admin.audit({ type: 'client.created', clientId: client.clientId, reason: 'operator' });
  return secret === undefined ? { client } : { client, secret };
}

/** The state fields `input` sets on `current`; an enabled client's revocation mark moves (see enabledAgain). */
async function stateChanges(current: Client, input: ClientState & { disabled?: boolean }, now: number): Promise<ClientState> {
  const state: ClientState = {};
  if (input.requireMfa !== undefined) {
    state.requireMfa = input.requireMfa;
    state.requirePhishingResistant = input.requireMfa && input.requirePhishingResistant === true;
  }
  if (input.firstParty !== undefined && input.firstParty !== current.firstParty) state.firstParty = input.firstParty;
  if (input.defaultApi !== undefined) state.defaultApi = input.defaultApi;
  if (input.attributeClaims !== undefined) state.attributeClaims = input.attributeClaims;
  if (input.disabled === false && current.disabled) {
    state.disabled = false;
    state.tokensRevokedAt = (await enabledAgain(current, now)).tokensRevokedAt;
  }
  if (input.disabled === true) {
    state.disabled = true;
    state.tokensRevokedAt = now;
  }
  return state;
}

/**
 * Changes a client. Metadata changes are computed from the client as stored now and written with
 * its state changes in one write made only if nothing changed the client meanwhile (else computed
 * again; with `expectedVersion`, refused instead). A change of state alone, without an expected
 * version, is written directly: it computes nothing from what it read, so it can undo nothing.
 * Disabling revokes the client's consents and tokens after the mark is written.
 */
export async function updateClient(admin: AdminContext, clientId: string, input: ClientUpdate, options: UpdateOptions = {}): Promise<ClientWithSecret> {
  const { requireMfa, requirePhishingResistant, firstParty, defaultApi: apiRef, attributeClaims, disabled, ...metadata } = input;
  // Checked before anything is written, so a bad value changes nothing.
  const wanted: ClientState & { disabled?: boolean } = {};
  if (attributeClaims !== undefined) wanted.attributeClaims = checkedAttributeClaims(attributeClaims);
  await findClient(admin.stores, clientId);
  const defaultApi = await apiIdentifier(admin.stores, apiRef);
  if (defaultApi !== undefined) wanted.defaultApi = defaultApi;
  if (requireMfa !== undefined) wanted.requireMfa = requireMfa;
  if (requireMfa !== undefined && requirePhishingResistant !== undefined) wanted.requirePhishingResistant = requirePhishingResistant;
  if (firstParty !== undefined) wanted.firstParty = firstParty;
  if (disabled !== undefined) wanted.disabled = disabled;
  const expected = options.expectedVersion;
  const changesMetadata = Object.keys(metadata).length > 0;
  for (let attempt = 0; attempt < TRIES; attempt++) {
    const current = await admin.stores.clients.findFresh(clientId);
    if (!current) throw new ClientNotFoundError(clientId);
    if (expected !== undefined && current.version !== expected) throw new StaleVersionError(`client '${clientId}'`, expected, current.version);
    const changed = changesMetadata ? changeClient(current, metadata, admin.pepper, admin.now) : undefined;
    const state = await stateChanges(current, wanted, admin.now);
    let outcome: 'ok' | 'stale' | 'missing' = 'ok';
    if (changed !== undefined || (expected !== undefined && Object.keys(state).length > 0)) {
      outcome = await admin.stores.clients.updateMetadata(clientId, metadataOf(changed?.client ?? current, current), current.version, admin.now, state);
    } else if (Object.keys(state).length > 0) {
      outcome = (await admin.stores.clients.setState(clientId, state, admin.now)) ? 'ok' : 'missing';
    }
    if (outcome === 'missing') throw new ClientNotFoundError(clientId);
    if (outcome === 'stale') {
      if (expected !== undefined) throw new StaleVersionError(`client '${clientId}'`, expected, undefined);
      continue;
    }
    if (disabled === true) await revokeClientGrants(admin.stores, clientId, admin.now);
    // Whether users are asked to consent: its own event, so it is never hidden in a 'metadata' change.
    if (state.firstParty !== undefined) await admin.audit({ type: 'client.changed', clientId, reason: state.firstParty ? 'first_party_on' : 'first_party_off' });
    await admin.audit({ type: 'client.changed', clientId, reason: disabled === true ? 'disabled' : disabled === false ? 'enabled' : 'metadata' });
    const written = changed === undefined && Object.keys(state).length === 0 ? current : { ...current, ...metadataOf(changed?.client ?? current, current), ...state, updatedAt: admin.now, version: current.version + 1 };
    const client = (await admin.stores.clients.findFresh(clientId)) ?? written;
    return changed?.secret === undefined ? { client } : { client, secret: changed.secret };
  }
  throw new ClientChangedMeanwhile(clientId);
}

/** Replaces a confidential client's secret; the old one stops working at once. */
export async function rotateClientSecret(admin: AdminContext, clientId: string): Promise<ClientWithSecret & { secret: string }> {
  const existing = await findClient(admin.stores, clientId);
  if (existing.type !== 'confidential') throw new ClientInputError('public clients have no secret');
  const { secret, secretHash } = newClientSecret(admin.pepper);
  // Only the secret: nothing else read above is written back.
  if (!(await admin.stores.clients.setState(clientId, { secretHash }, admin.now))) throw new ClientNotFoundError(clientId);
  await admin.audit({ type: 'client.changed', clientId, reason: 'secret_rotated' });
  return { client: { ...existing, secretHash, updatedAt: admin.now }, secret };
}

/** Deletes a client and revokes all its consents and tokens. */
export async function deleteClient(admin: AdminContext, clientId: string): Promise<void> {
  await revokeClient(admin.stores, await findClient(admin.stores, clientId), admin.now, 'delete');
  await admin.audit({ type: 'client.deleted', clientId });
}
