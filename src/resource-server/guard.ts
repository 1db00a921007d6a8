import { createHash } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { BearerError } from './bearer-error.js';
import { metadataUrl, protectedResourceMetadata, type ProtectedResourceMetadata, type ProtectedResourceOptions } from './protected-resource.js';

/** The algorithms Tessera signs with. Never `none`, never HMAC: a public key must not become a shared secret. */
export const ALLOWED_ALGORITHMS = ['ES256', 'RS256'] as const;
export type AllowedAlgorithm = (typeof ALLOWED_ALGORITHMS)[number];

export interface GuardOptions {
  /** Tessera's issuer URL; its metadata (RFC 8414) names the JWKS and the introspection endpoint. */
  issuer: string;
  /** What this API accepts in `aud` (RFC 9068 §4): Tessera's tokens carry its issuer unless the operator set another audience. */
  audience: string | string[];
  /** A subset of ES256 and RS256 (default both). */
  algorithms?: AllowedAlgorithm[];
  /** Leeway for `exp`, `nbf` and `iat` between clocks (default 5 seconds, at most 60). */
  clockToleranceSeconds?: number;
  /**
   * Ask Tessera about every token (RFC 7662) as well, so a revoked token is refused within
   * `cacheSeconds` (default 10) instead of at its expiry; needs a confidential client of this API's.
   */
  introspection?: { clientId: string; clientSecret: string; cacheSeconds?: number };
  /** The realm in WWW-Authenticate. */
  realm?: string;
  /**
   * This API as an RFC 9728 protected resource: `metadata()` describes it, and 401 answers point to
   * that description (`resource_metadata`). Its `resource` is usually also the `audience`.
   */
  protectedResource?: ProtectedResourceOptions;
  /** After fetching the JWKS, wait this long before fetching it again for an unknown `kid` (default 10). */
  jwksCooldownSeconds?: number;
}

/** A token that passed: who it is for, which client holds it, what it allows. */
export interface VerifiedToken {
  /** The user (or, for client_credentials, the client itself). */
  sub: string;
  clientId: string;
  scopes: string[];
  claims: JWTPayload;
}

/** Anything with request headers: Node's IncomingMessage, Fastify's and Express's requests, a plain object. */
export interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
}

interface Metadata {
  issuer: string;
  jwks_uri: string;
  introspection_endpoint?: string;
}

/** Introspection answers kept at most this many; past it the cache starts over. */
const INTROSPECTION_CACHE_LIMIT = 10_000;
/** RFC 6750 §2.1: b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** The access token of a request (RFC 6750 §2.1, the Authorization header only; tokens in URLs leak into logs). */
export function bearerToken(request: RequestLike): string {
  const header = request.headers['authorization'];
  if (header === undefined || header === '') throw new BearerError(undefined, 'the request has no access token');
  if (Array.isArray(header)) throw new BearerError('invalid_request', 'more than one Authorization header');
  const match = BEARER.exec(header.trim());
  if (!match) {
    if (!/^bearer\s/i.test(header.trim())) throw new BearerError(undefined, 'the request has no bearer token');
    throw new BearerError('invalid_request', 'the Authorization header is not a well-formed bearer token');
  }
  return match[1]!;
}

function scopesOf(claims: JWTPayload): string[] {
  const scope = claims['scope'];
  return typeof scope === 'string' && scope !== '' ? scope.split(' ') : [];
}

export interface Guard {
  readonly realm: string | undefined;
  /** Where this API's RFC 9728 metadata is served, when it is a protected resource. */
  readonly resourceMetadataUrl: string | undefined;
  /** Its RFC 9728 metadata (serve it at `metadataPath(resource)`); undefined without `protectedResource`. */
  metadata(): ProtectedResourceMetadata | undefined;
  /** Verifies the request's access token and that it holds every one of `scopes`; throws BearerError otherwise. */
  verifyAccessToken(request: RequestLike, scopes?: readonly string[]): Promise<VerifiedToken>;
  /** Verifies a token string (no scope check). */
  verifyToken(token: string): Promise<VerifiedToken>;
}

/**
 * Checks Tessera's JWT access tokens (RFC 9068) for an API: signature against the issuer's JWKS
 * (cached; fetched again when an unknown `kid` appears, at most every 10 seconds), `typ` at+jwt,
 * `iss`, `aud`, `exp`/`nbf` with a small skew, and scopes. With `introspection`, also asks Tessera
 * whether the token is still active, caching each answer briefly.
 */
export function createGuard(options: GuardOptions): Guard {
  const issuer = options.issuer;
  const algorithms = options.algorithms ?? [...ALLOWED_ALGORITHMS];
  if (algorithms.length === 0 || algorithms.some((a) => !ALLOWED_ALGORITHMS.includes(a))) {
    throw new Error(`algorithms must be a subset of ${ALLOWED_ALGORITHMS.join(', ')}`);
  }
  const clockTolerance = Math.min(options.clockToleranceSeconds ?? 5, 60);
  const cacheSeconds = options.introspection?.cacheSeconds ?? 10;

  let metadata: Promise<Metadata> | undefined;
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  const introspected = new Map<string, { token: VerifiedToken | undefined; until: number }>();

  /** RFC 8414 §3: the metadata, whose `issuer` must be exactly the one configured. Retried after a failure. */
  function discover(): Promise<Metadata> {
    metadata ??= (async () => {
      const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/oauth-authorization-server`, { signal: AbortSignal.timeout(5000) });
      if (!response.ok) throw new Error(`metadata answered ${response.status}`);
      const body = (await response.json()) as Partial<Metadata>;
      if (body.issuer !== issuer) throw new Error(`metadata names issuer ${String(body.issuer)}, not ${issuer}`);
      if (typeof body.jwks_uri !== 'string') throw new Error('metadata has no jwks_uri');
      return body as Metadata;
    })().catch((e: unknown) => {
      metadata = undefined;
      throw e;
    });
    return metadata;
  }

  /** The metadata, or a 503 for the caller while the issuer cannot be reached. */
  async function reachIssuer(): Promise<Metadata> {
    try {
      return await discover();
    } catch {
      throw new BearerError('temporarily_unavailable', 'the issuer could not be reached');
    }
  }

  async function verifyJwt(token: string): Promise<VerifiedToken> {
    const meta = await reachIssuer();
    jwks ??= createRemoteJWKSet(new URL(meta.jwks_uri), { cooldownDuration: (options.jwksCooldownSeconds ?? 10) * 1000, cacheMaxAge: 600_000 });
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer,
        audience: options.audience,
        algorithms,
        typ: 'at+jwt',
        clockTolerance,
        requiredClaims: ['exp', 'iat', 'sub', 'client_id', 'jti'],
      });
      if (typeof payload['client_id'] !== 'string' || typeof payload.sub !== 'string') throw new BearerError('invalid_token', 'the token lacks sub or client_id');
      return { sub: payload.sub, clientId: payload['client_id'], scopes: scopesOf(payload), claims: payload };
    } catch (e) {
      if (e instanceof BearerError) throw e;
      if (e instanceof errors.JWKSTimeout) throw new BearerError('temporarily_unavailable', 'the issuer’s keys could not be fetched');
      if (e instanceof errors.JWTExpired) throw new BearerError('invalid_token', 'the token has expired');
      if (e instanceof errors.JOSEError) throw new BearerError('invalid_token', 'the token is not valid here');
      // A network failure fetching the keys.
      throw new BearerError('temporarily_unavailable', 'the issuer’s keys could not be fetched');
    }
  }

  /** RFC 7662: whether Tessera still considers the token active. */
  async function introspect(token: string): Promise<VerifiedToken | undefined> {
    const credentials = options.introspection!;
    const key = createHash('sha256').update(token).digest('base64url');
    const now = Date.now();
    const cached = introspected.get(key);
    if (cached && cached.until > now) return cached.token;
    const meta = await reachIssuer();
    if (!meta.introspection_endpoint) throw new BearerError('temporarily_unavailable', 'the issuer offers no introspection');
    const basic = Buffer.from(`${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`).toString('base64');
    let body: Record<string, unknown>;
    try {
      const response = await fetch(meta.introspection_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
        body: new URLSearchParams({ token }).toString(),
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) throw new Error(`introspection answered ${response.status}`);
      body = (await response.json()) as Record<string, unknown>;
    } catch {
      throw new BearerError('temporarily_unavailable', 'the issuer could not be asked about the token');
    }
    const audience = Array.isArray(options.audience) ? options.audience : [options.audience];
    const aud = Array.isArray(body['aud']) ? body['aud'] : [body['aud']];
    const active = body['active'] === true && body['iss'] === issuer && aud.some((a) => audience.includes(String(a)));
    const verified: VerifiedToken | undefined = active
      ? { sub: String(body['sub']), clientId: String(body['client_id']), scopes: scopesOf(body as JWTPayload), claims: body as JWTPayload }
      : undefined;
    // Never keep an answer past the token's own expiry.
    const exp = typeof body['exp'] === 'number' ? body['exp'] * 1000 : Infinity;
    if (introspected.size >= INTROSPECTION_CACHE_LIMIT) introspected.clear();
    introspected.set(key, { token: verified, until: Math.min(now + cacheSeconds * 1000, exp) });
    return verified;
  }

  async function verifyToken(token: string): Promise<VerifiedToken> {
    const isJwt = token.split('.').length === 3;
    if (!isJwt && !options.introspection) throw new BearerError('invalid_token', 'the token is not a JWT access token');
    const local = isJwt ? await verifyJwt(token) : undefined;
    if (!options.introspection) return local!;
    const remote = await introspect(token);
    if (!remote) throw new BearerError('invalid_token', 'the token is not active');
    return local ?? remote;
  }

  const described = options.protectedResource;
  return {
    realm: options.realm,
    resourceMetadataUrl: described ? metadataUrl(described.resource) : undefined,
    metadata: () => (described ? protectedResourceMetadata(issuer, described) : undefined),
    verifyToken,
    async verifyAccessToken(request, scopes = []) {
      const token = await verifyToken(bearerToken(request));
      const missing = scopes.filter((s) => !token.scopes.includes(s));
      if (missing.length > 0) throw new BearerError('insufficient_scope', `the token lacks the scope ${missing.join(' ')}`, scopes.join(' '));
      return token;
    },
  };
}
