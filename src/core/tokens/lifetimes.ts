import type { Config } from '../config.js';
import type { AccessTokenAlg, Client, IdTokenAlg } from '../clients/client.js';
import type { ApiRecord } from '../../store/ports.js';

/** What an API (resource server) may set for the access tokens issued for it; null: not set. */
export interface ApiTokenSettings {
  accessTokenTtl?: number | null;
  accessTokenAlg?: AccessTokenAlg | null;
}

/** Lifetimes in seconds of the tokens issued to one client (for one API). */
export interface TokenLifetimes {
  accessToken: number;
  idToken: number;
  /** Idle: a refresh token not used for this long expires. */
  refreshToken: number;
  /** A lineage of refresh tokens ends this long after it began. */
  refreshTokenAbsolute: number;
}

/**
 * The lifetimes that apply to `client`'s tokens: the client's own where an operator set one, else
 * the server's. An API's access token lifetime and the client's are both limits their owners chose:
 * with both, the shorter one wins.
 */
export function tokenLifetimes(config: Pick<Config, 'ttl'>, client: Pick<Client, 'lifetimes'>, api?: ApiTokenSettings): TokenLifetimes {
  const own = client.lifetimes;
  const chosen = [own.accessToken, api?.accessTokenTtl].filter((t): t is number => typeof t === 'number');
  return {
    accessToken: chosen.length > 0 ? Math.min(...chosen) : config.ttl.accessToken,
    idToken: own.idToken ?? config.ttl.idToken,
    refreshToken: own.refreshToken ?? config.ttl.refreshToken,
    refreshTokenAbsolute: own.refreshTokenAbsolute ?? config.ttl.refreshTokenAbsolute,
  };
}

/** The access token's algorithm: the API's (its resource server verifies it), else the client's, else the server's. */
export function accessTokenAlg(config: Pick<Config, 'accessTokenAlg'>, client: Pick<Client, 'accessTokenAlg'>, api?: ApiTokenSettings): AccessTokenAlg {
  return api?.accessTokenAlg ?? client.accessTokenAlg ?? config.accessTokenAlg;
}

/**
 * Everything that sets an access token apart by API: its `aud` (RFC 8707 §2, the API's identifier,
 * else the server's default), its lifetime and its algorithm.
 */
export function accessTokenSettings(config: Pick<Config, 'ttl' | 'accessTokenAlg'>, client: Pick<Client, 'lifetimes' | 'accessTokenAlg'>, api?: ApiRecord): { audience?: string; ttl: number; alg: AccessTokenAlg } {
  return { ...(api ? { audience: api.identifier } : {}), ttl: tokenLifetimes(config, client, api).accessToken, alg: accessTokenAlg(config, client, api) };
}

/** The ID token's algorithm: what the client registered (`id_token_signed_response_alg`), else the server's default. */
export function idTokenAlg(config: Pick<Config, 'idTokenAlg'>, client: Pick<Client, 'idTokenAlg'>): IdTokenAlg {
  return client.idTokenAlg ?? config.idTokenAlg;
}

/**
 * The longest any JWT signed now can live (access or ID token), over the server's lifetimes and
 * every client's own and every API's: how long a retired signing key must stay published.
 */
export function longestJwtLifetime(config: Pick<Config, 'ttl'>, clients: readonly Pick<Client, 'lifetimes'>[], apis: readonly ApiTokenSettings[] = []): number {
  let longest = Math.max(config.ttl.accessToken, config.ttl.idToken);
  for (const c of clients) longest = Math.max(longest, c.lifetimes.accessToken ?? 0, c.lifetimes.idToken ?? 0);
  for (const a of apis) longest = Math.max(longest, a.accessTokenTtl ?? 0);
  return longest;
}
