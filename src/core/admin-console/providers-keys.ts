import { setProviderEnabled } from '../admin/identity-providers.js';
import { listSigningKeys, rotateSigningKeys } from '../admin/keys.js';
import { shownTime, type ConsoleCall, type ConsoleRoute, type ShowOptions } from './route.js';

async function providersPage(call: ConsoleCall, options: ShowOptions = {}) {
  const providers = (await call.admin.stores.identityProviders.list()).map((p) => ({ name: p.name, kind: p.kind, displayName: p.displayName, enabled: p.enabled }));
  return call.show('providers', 'Identity providers', { view: 'providers', providers }, options);
}

async function keysPage(call: ConsoleCall, options: ShowOptions = {}) {
  const keys = (await listSigningKeys(call.admin.stores, call.admin.now, call.ctx.config.ttl)).map((k) => ({ kid: k.kid, alg: k.alg, state: k.state, createdAt: shownTime(k.created_at) }));
  return call.show('keys', 'Signing keys', { view: 'keys', keys }, options);
}

function providerSwitch(enabled: boolean): ConsoleRoute {
  return {
    method: 'POST',
    path: `/providers/{name}/${enabled ? 'enable' : 'disable'}`,
    ...(enabled ? {} : { confirm: 'Disable this identity provider? Its users can no longer sign in through it.' }),
    async handle(call) {
      const provider = await setProviderEnabled(call.admin, call.params['name']!, enabled);
      return providersPage(call, { notice: `${provider.displayName} ${enabled ? 'enabled' : 'disabled'}.` });
    },
    onError: providersPage,
  };
}

export const providerRoutes: ConsoleRoute[] = [{ method: 'GET', path: '/providers', handle: (call) => providersPage(call) }, providerSwitch(true), providerSwitch(false)];

export const keyRoutes: ConsoleRoute[] = [
  { method: 'GET', path: '/keys', handle: (call) => keysPage(call) },
  {
    method: 'POST',
    path: '/keys/rotate',
    confirm: 'Rotate the signing keys? New tokens are signed with new keys; the old ones still verify until their tokens expire.',
    async handle(call) {
      const added = await rotateSigningKeys(call.admin, {}, call.ctx.config.ttl);
      // This node signs with the new keys at once; others pick them up at their next reload.
      await call.ctx.keys.reload();
      return keysPage(call, { notice: `New keys: ${added.map((k) => k.kid).join(', ')}.` });
    },
    onError: keysPage,
  },
];
