import type { Context } from '../context.js';
import type { Client, GrantType } from '../clients/client.js';
import type { Requester } from '../audit.js';

/** RFC 6749 §5.1 successful token response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
  id_token?: string;
}

/** One grant type: the token endpoint finds it by `grantType` and knows nothing else about it. */
export interface Grant {
  grantType: GrantType;
  /** `from` is who sent the request, for audit events (a replayed code, a reused refresh token). */
  handle(ctx: Context, client: Client, params: Record<string, string>, from: Requester): Promise<TokenResponse>;
}
