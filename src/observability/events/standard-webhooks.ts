import { createHmac } from 'node:crypto';
import { ConfigError } from '../../core/config.js';

/*
 * Signing as the Standard Webhooks specification says (https://www.standardwebhooks.com/,
 * "Signature scheme"): HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>` with the
 * secret's bytes, sent as `webhook-signature: v1,<base64>`. Any of its libraries verifies us.
 */

const PREFIX = 'whsec_';

/** The key of a `whsec_<base64>` secret; the spec asks for 24 to 64 random bytes. */
export function webhookKey(secret: string, source: string): Buffer {
  const text = secret.trim();
  if (!text.startsWith(PREFIX)) throw new ConfigError(`${source} must hold a secret of the form whsec_<base64> (make one with: echo "whsec_$(openssl rand -base64 32)")`);
  const encoded = text.slice(PREFIX.length);
  const key = Buffer.from(encoded, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || key.length < 24 || key.length > 64) {
    throw new ConfigError(`${source}: the part after whsec_ must be 24 to 64 bytes in base64 (make one with: echo "whsec_$(openssl rand -base64 32)")`);
  }
  return key;
}

/** The three headers of one delivery attempt; the timestamp is the attempt's, so a receiver can refuse old replays. */
export function webhookHeaders(key: Buffer, id: string, timestampSeconds: number, body: string): Record<string, string> {
  const signature = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': `v1,${signature}` };
}
