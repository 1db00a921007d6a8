import { createHash } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { BearerError } from './bearer-error.js';
import { IssuerUnavailableError, issuerDifference, networkFailure } from './issuer-error.js';
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
  /**
   * Told each time a request is refused with 503 because the issuer could not be used, with the
   * cause and the URLs involved (the caller's answer carries neither). Fastify's `requireScope`
   * also logs it with the request's logger.
   */
  onIssuerError?: (error: IssuerUnavailableError) => void;
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

/** How long discovery waits for the issuer's metadata; jose waits as long for the JWKS by default. */
const METADATA_TIMEOUT_SECONDS = 5;
const JWKS_TIMEOUT_SECONDS = 5;
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
  let jwks: JWTVerifyGetKey | undefined;
  const introspected = new Map<string, { token: VerifiedToken | undefined; until: number }>();

  const metadataAt = `${issuer.replace(/\/$/, '')}/.well-known/oauth-authorization-server`;
  const unavailable = (problem: IssuerUnavailableError['problem'], detail: string, cause?: unknown, jwksUri?: string) =>
    new IssuerUnavailableError(problem, { issuer, metadata: metadataAt, ...(jwksUri ? { jwks: jwksUri } : {}) }, detail, cause);

  /**
   * RFC 8414 §3: the metadata, whose `issuer` must be exactly the one configured (§3.3). Retried
   * after a failure. Each way it can fail says so, with the URLs, for the application's logs.
   */
  function discover(): Promise<Metadata> {
    metadata ??= (async () => {
      let response: Response;
      try {
        response = await fetch(metadataAt, { signal: AbortSignal.timeout(METADATA_TIMEOUT_SECONDS * 1000) });
      } catch (e) {
        throw unavailable('metadata_unreachable', `cannot reach the issuer's metadata at ${metadataAt}: ${networkFailure(e, METADATA_TIMEOUT_SECONDS)}`, e);
      }
      if (!response.ok) {
        const hint = response.status === 404 ? `; is ${issuer} the issuer's exact URL?` : '';
        throw unavailable('metadata_http_error', `the issuer's metadata at ${metadataAt} answered HTTP ${response.status}${hint}`);
      }
      let body: Partial<Metadata>;
      try {
        body = (await response.json()) as Partial<Metadata>;
      } catch (e) {
        throw unavailable('metadata_not_json', `the issuer's metadata at ${metadataAt} is not JSON (Content-Type: ${response.headers.get('content-type') ?? 'none'})`, e);
      }
      if (typeof body !== 'object' || body === null) throw unavailable('metadata_not_json', `the issuer's metadata at ${metadataAt} is not a JSON object`);
      if (body.issuer !== issuer) {
        const named = String(body.issuer);
        throw unavailable('issuer_mismatch', `the metadata at ${metadataAt} names the issuer '${named}', but this guard is configured with '${issuer}'${issuerDifference(issuer, named)}: configure the issuer exactly as the server names it`);
      }
      if (typeof body.jwks_uri !== 'string') throw unavailable('metadata_incomplete', `the issuer's metadata at ${metadataAt} has no jwks_uri`);
      return body as Metadata;
    })().catch((e: unknown) => {
      metadata = undefined;
      throw e;
    });
    return metadata;
  }

  /** The application hears of every 503 the issuer caused; the caller sees only the 503. */
  function report(e: unknown): never {
    if (e instanceof IssuerUnavailableError) options.onIssuerError?.(e);
    throw e;
  }

  /** The metadata, or a 503 for the caller (naming the cause for the application) while the issuer cannot be used. */
  async function reachIssuer(): Promise<Metadata> {
    try {
      return await discover();
    } catch (e) {
      return report(e instanceof IssuerUnavailableError ? e : unavailable('metadata_unreachable', `cannot use the issuer's metadata at ${metadataAt}: ${String(e)}`, e));
    }
  }

  /**
   * The issuer's keys, fetched from `jwks_uri`. A kid the set lacks is the token's fault (401); a
   * set that cannot be fetched or read is the issuer's (503, naming the JWKS URL).
   */
  function keySet(jwksUri: string): JWTVerifyGetKey {
    const remote = createRemoteJWKSet(new URL(jwksUri), { cooldownDuration: (options.jwksCooldownSeconds ?? 10) * 1000, cacheMaxAge: 600_000 });
    return async (header, token) => {
      try {
        return await remote(header, token);
      } catch (e) {
        if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys) throw e;
        const why = e instanceof errors.JOSEError && !(e instanceof errors.JWKSTimeout) ? e.message : networkFailure(e, JWKS_TIMEOUT_SECONDS);
        throw unavailable('jwks_unavailable', `cannot fetch the issuer's keys at ${jwksUri}: ${why}`, e, jwksUri);
      }
    };
  }

  async function verifyJwt(token: string): Promise<VerifiedToken> {
    const meta = await reachIssuer();
    jwks ??= keySet(meta.jwks_uri);
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
      if (e instanceof IssuerUnavailableError) return report(e);
      if (e instanceof BearerError) throw e;
      if (e instanceof errors.JWTExpired) throw new BearerError('invalid_token', 'the token has expired');
      if (e instanceof errors.JOSEError) throw new BearerError('invalid_token', 'the token is not valid here');
      return report(unavailable('jwks_unavailable', `cannot check the token against the issuer's keys at ${meta.jwks_uri}: ${String(e)}`, e, meta.jwks_uri));
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
