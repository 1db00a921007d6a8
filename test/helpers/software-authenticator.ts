import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

/**
 * A software WebAuthn authenticator for tests that drive the HTTP endpoints without a browser:
 * ES256 keys from node:crypto, attestation "none" in CBOR, and assertions signed over
 * authenticatorData || SHA-256(clientDataJSON) (W3C WebAuthn §6.3.3). Each knob a test needs to
 * misbehave with (origin, RP ID, flags, counter, user handle) is an option.
 */

type Cbor = number | string | Buffer | Cbor[] | Map<Cbor, Cbor> | { [key: string]: Cbor };

function head(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length]);
  if (length < 0x10000) return Buffer.from([(major << 5) | 25, length >> 8, length & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(length, 1);
  return b;
}

/** Encodes the few CBOR types WebAuthn structures use (RFC 8949): integers, byte and text strings, arrays, maps. */
export function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') return Buffer.concat([head(3, Buffer.byteLength(value)), Buffer.from(value)]);
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(cbor)]);
  const entries: [Cbor, Cbor][] = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, v]) => [cbor(k), cbor(v)])]);
}

const b64url = (b: Buffer) => b.toString('base64url');
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest();

export interface SoftCredential {
  id: string;
  privateKey: KeyObject;
  userHandle: string;
  rpId: string;
  counter: number;
}

export interface CeremonyOptions {
  origin?: string;
  rpId?: string;
  /** Leave out the user-verified flag. */
  noUserVerification?: boolean;
  /** The counter to sign (else the next one). */
  counter?: number;
  /** The challenge to answer (else the options'). */
  challenge?: string;
  userHandle?: string | null;
  /** Backup eligible and backed up (a synced passkey). */
  synced?: boolean;
}

export class SoftwareAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(readonly origin: string, readonly counterStart = 0) {}

  private flags(o: CeremonyOptions, attested: boolean): number {
    let f = 0x01; // user present
    if (!o.noUserVerification) f |= 0x04;
    if (o.synced) f |= 0x08 | 0x10;
    if (attested) f |= 0x40;
    return f;
  }

  /** navigator.credentials.create(): the registration response, as JSON the way a browser sends it. */
  create(options: { challenge: string; rp: { id: string }; user: { id: string } }, o: CeremonyOptions = {}): Record<string, unknown> {
    const rpId = o.rpId ?? options.rp.id;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const coseKey = cbor(new Map<Cbor, Cbor>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]]));
    const id = randomBytes(16);
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.counterStart);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([this.flags(o, true)]), counter, Buffer.alloc(16), Buffer.from([0, id.length]), id, coseKey]);
    const attestationObject = cbor({ fmt: 'none', attStmt: new Map(), authData });
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.create', challenge: o.challenge ?? options.challenge, origin: o.origin ?? this.origin, crossOrigin: false }));
    this.credentials.push({ id: b64url(id), privateKey, userHandle: options.user.id, rpId, counter: this.counterStart });
    return {
      id: b64url(id),
      rawId: b64url(id),
      type: 'public-key',
      clientExtensionResults: {},
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ['internal'] },
    };
  }

  /** navigator.credentials.get(): an assertion by `credential` (the first one by default). */
  get(options: { challenge: string; rpId: string }, o: CeremonyOptions = {}, credential: SoftCredential = this.credentials[0]!): Record<string, unknown> {
    const counterValue = o.counter ?? (this.counterStart === 0 && credential.counter === 0 ? 0 : credential.counter + 1);
    credential.counter = Math.max(credential.counter, counterValue);
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(counterValue);
    const authData = Buffer.concat([sha256(o.rpId ?? options.rpId), Buffer.from([this.flags(o, false)]), counter]);
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: o.challenge ?? options.challenge, origin: o.origin ?? this.origin, crossOrigin: false }));
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
    const userHandle = o.userHandle === undefined ? credential.userHandle : o.userHandle;
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      clientExtensionResults: {},
      response: { clientDataJSON: b64url(clientDataJSON), authenticatorData: b64url(authData), signature: b64url(signature), ...(userHandle === null ? {} : { userHandle }) },
    };
  }
}
