import type { Context } from '../context.js';
import { DEVICE_CODE_GRANT } from '../clients/client.js';
import { OAuthError } from '../errors.js';
import { randomCode, randomToken, sha256 } from '../crypto.js';
import { optional } from '../params.js';
import { parseScope, requireAllowedScopes } from '../scopes.js';
import { requestedApis } from '../apis/resources.js';
import { NO_STORE, json, type ProtocolRequest, type ProtocolResponse } from '../protocol.js';
import { authenticateClient } from '../clients/authenticate.js';
import { requester } from '../audit.js';
import { backChannelParams, errorJson } from './form.js';
import { PATHS } from './discovery.js';

/** RFC 8628 §6.1: consonants only (no vowels, so no words), easy to read and type. */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;

/** A user code as shown: XXXX-XXXX. 20^8 ≈ 2^34.6 possibilities; guessing is rate limited. */
export function newUserCode(): string {
  const code = randomCode(USER_CODE_ALPHABET, USER_CODE_LENGTH);
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** The canonical form of what a user typed: case, dashes and spaces ignored (RFC 8628 §6.1); undefined when it cannot be a code. */
export function normalizeUserCode(input: string): string | undefined {
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== USER_CODE_LENGTH) return undefined;
  for (const c of code) if (!USER_CODE_ALPHABET.includes(c)) return undefined;
  return code;
}

/** The device authorization endpoint (RFC 8628 §3.1–3.2). */
export function deviceAuthorizationEndpoint(ctx: Context) {
  return async (req: ProtocolRequest): Promise<ProtocolResponse> => {
    try {
      // RFC 8707 §2: `resource` may be repeated, one per API.
      const params = backChannelParams(req, ['resource']);
      const client = await authenticateClient(ctx, params, req.headers['authorization'], requester(req));
      if (!client.grantTypes.includes(DEVICE_CODE_GRANT)) throw new OAuthError('unauthorized_client', 'this client may not use the device authorization grant');
      const scopes = parseScope(optional(params, 'scope'));
      requireAllowedScopes(scopes, client.scopes);
      const apis = await requestedApis(ctx, client, req.form?.['resource'] ?? []);

      const deviceCode = randomToken(32);
      const userCode = newUserCode();
      const now = ctx.now();
      await ctx.stores.deviceCodes.create({
        deviceCodeHash: sha256(deviceCode),
        userCodeHash: sha256(normalizeUserCode(userCode)!),
        clientId: client.clientId,
        scopes,
        resources: apis.map((a) => a.identifier),
        status: 'pending',
        userId: null,
        authTime: null,
        amr: [],
        grantId: null,
        interval: ctx.config.devicePollInterval,
        lastPolledAt: null,
        createdAt: now,
        expiresAt: now + ctx.config.ttl.deviceCode,
      });
      const verificationUri = ctx.config.issuer + PATHS.device;
      return json(
        200,
        {
          device_code: deviceCode,
          user_code: userCode,
          verification_uri: verificationUri,
          verification_uri_complete: `${verificationUri}?user_code=${userCode}`,
          expires_in: ctx.config.ttl.deviceCode,
          interval: ctx.config.devicePollInterval,
        },
        { ...NO_STORE },
      );
    } catch (e) {
      return errorJson(e);
    }
  };
}
