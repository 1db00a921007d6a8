import * as oidc from 'openid-client';
import { authorizedFetch, type AccessTokenSource, type Fetch } from './authorized-fetch.js';
import { connect, type ConnectOptions } from './connect.js';
import { RenewingToken } from './renewing-token.js';
import { tokenSetOf, type TokenSet } from './token-set.js';

export interface ClientCredentialsOptions extends ConnectOptions {
  clientSecret: string;
  /** The scope to ask for; Tessera gives all the client may hold when it is absent. */
  scope?: string;
  /** The API the token is for (RFC 8707). */
  resource?: string;
  /** Get the next token this many seconds before the current one expires (default 30, at most half its lifetime). */
  renewEarlySeconds?: number;
  /** Each new token, when it arrives. */
  onTokens?: (tokens: TokenSet) => void;
}

/**
 * A service's own access token (client credentials, RFC 6749 §4.4): fetched on first use, reused
 * until shortly before it expires, then fetched again by one request however many calls wait.
 */
export class ClientCredentialsClient implements AccessTokenSource {
  readonly #token: RenewingToken;
  /** fetch with the service's access token (RFC 6750 §2.1). */
  readonly fetch: Fetch;

  constructor(
    /** openid-client's configuration, for anything this library does not cover. */
    readonly configuration: oidc.Configuration,
    options: Pick<ClientCredentialsOptions, 'scope' | 'resource' | 'renewEarlySeconds' | 'onTokens'> = {},
  ) {
    const parameters = {
      ...(options.scope !== undefined ? { scope: options.scope } : {}),
      ...(options.resource !== undefined ? { resource: options.resource } : {}),
    };
    this.#token = new RenewingToken(async () => {
      const tokens = tokenSetOf(await oidc.clientCredentialsGrant(configuration, parameters));
      options.onTokens?.(tokens);
      return tokens;
    }, options.renewEarlySeconds ?? 30);
    this.fetch = authorizedFetch(this);
  }

  async accessToken(): Promise<string> {
    return (await this.#token.get()).accessToken;
  }

  async replaceAccessToken(stale: string): Promise<string> {
    return (await this.#token.replace(stale)).accessToken;
  }
}

/** Discovers Tessera and returns the service's token source. */
export async function clientCredentials(options: ClientCredentialsOptions): Promise<ClientCredentialsClient> {
  return new ClientCredentialsClient(await connect(options), options);
}
