import type { Config } from '../config.js';
import type { KeyRing } from '../keys/key-ring.js';
import { signJwt } from './jwt.js';

export interface IdTokenInput {
  subject: string;
  clientId: string;
  authTime: number;
  nonce: string | null;
}

/** An ID token (OpenID Connect Core §2): who signed in, for which client, when. Claims about the user come from /userinfo. */
export async function issueIdToken(config: Config, keys: KeyRing, input: IdTokenInput, now: number): Promise<string> {
  const claims: Record<string, unknown> = {
    iss: config.issuer,
    sub: input.subject,
    aud: input.clientId,
    iat: now,
    exp: now + config.ttl.idToken,
    auth_time: input.authTime,
  };
  if (input.nonce !== null) claims['nonce'] = input.nonce;
  return signJwt(keys, config.idTokenAlg, 'JWT', claims);
}
