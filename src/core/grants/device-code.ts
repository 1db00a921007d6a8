import { randomUUID } from 'node:crypto';
import type { Grant } from './grant.js';
import { DEVICE_CODE_GRANT } from '../clients/client.js';
import { OAuthError } from '../errors.js';
import { sha256 } from '../crypto.js';
import { optional, required } from '../params.js';
import { activeUser, issueFirstTokens } from './user-tokens.js';
import { grantedApi } from '../apis/resources.js';

/**
 * RFC 8628 §3.4–3.5: the device polls until the user approves or denies on another device. The
 * device code works once and only for the client it was issued to.
 */
export const deviceCodeGrant: Grant = {
  grantType: DEVICE_CODE_GRANT,
  async handle(ctx, client, params) {
    const deviceCodeHash = sha256(required(params, 'device_code'));
    const now = ctx.now();
    const polled = await ctx.stores.deviceCodes.poll(deviceCodeHash, now);
    if (!polled || polled.record.clientId !== client.clientId) throw new OAuthError('invalid_grant', 'the device code is invalid');
    const { record, tooSoon } = polled;
    if (record.status === 'consumed') throw new OAuthError('invalid_grant', 'the device code was already used');
    if (record.expiresAt <= now) throw new OAuthError('expired_token', 'the device code has expired; start again');
    if (record.status === 'denied') throw new OAuthError('access_denied', 'the user denied the request');
    if (tooSoon) throw new OAuthError('slow_down', `polling too fast: wait ${record.interval} seconds between requests`);
    if (record.status === 'pending') throw new OAuthError('authorization_pending', 'the user has not answered yet');

    // RFC 8707 §2.2: the token request may name one of the APIs the device asked for; checked before the code is spent.
    const api = await grantedApi(ctx, record.resources, optional(params, 'resource'), record.createdAt);
    if (!(await ctx.stores.deviceCodes.consume(deviceCodeHash))) throw new OAuthError('invalid_grant', 'the device code was already used');
    if (record.userId === null || record.authTime === null || record.grantId === null) throw new OAuthError('invalid_grant', 'the device code is invalid');
    await activeUser(ctx, record.userId);
    const grant = { userId: record.userId, scopes: record.scopes, authTime: record.authTime, amr: record.amr, nonce: null, familyId: randomUUID(), grantId: record.grantId, resources: record.resources, api };
    return issueFirstTokens(ctx, client, grant, now);
  },
};
