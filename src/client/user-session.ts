import { authorizedFetch, type AccessTokenSource, type Fetch } from './authorized-fetch.js';
import { SignedOutError } from './errors.js';
import type { Lineages } from './lineages.js';
import { RenewingToken } from './renewing-token.js';
import type { TokenSet } from './token-set.js';

export interface SessionHooks {
  /**
   * New tokens from a refresh: store them where the app keeps the session. The refresh counts as
   * done only once this settles, so nothing in this process sends the spent refresh token again.
   */
  onTokens?: (tokens: TokenSet) => void | Promise<void>;
  /** The session is over (the refresh token was refused, or there is none): the user is signed out. Called once. */
  onSignedOut?: (error: SignedOutError) => void | Promise<void>;
}

/**
 * The tokens of one signed-in user, and a `fetch` that uses them: it attaches the access token,
 * refreshes it shortly before it expires and once when an API answers 401, one refresh at a time.
 * Keep one UserSession per sign-in (in the app's session); see Lineages for sessions restored twice.
 */
export class UserSession implements AccessTokenSource {
  readonly #token: RenewingToken;
  #ended: SignedOutError | undefined;
  /** fetch with this user's access token (RFC 6750 §2.1). */
  readonly fetch: Fetch;

  constructor(tokens: TokenSet, lineages: Lineages, hooks: SessionHooks = {}, refreshEarlySeconds = 30) {
    const renew = (current: TokenSet | undefined, adopt: (next: TokenSet) => void) =>
      lineages.refresh(current ?? tokens, adopt, async (next) => {
        await hooks.onTokens?.(next);
      });
    this.#token = new RenewingToken(
      async (current, adopt) => {
        try {
          return await renew(current, adopt);
        } catch (e) {
          if (e instanceof SignedOutError) await this.#end(e, hooks);
          throw e;
        }
      },
      refreshEarlySeconds,
      tokens,
    );
    this.fetch = authorizedFetch(this);
  }

  /** The tokens as they are now (after any refresh). */
  get tokens(): TokenSet {
    return this.#token.current!;
  }

  get signedOut(): boolean {
    return this.#ended !== undefined;
  }

  /** An access token that is not about to expire; throws SignedOutError once the session is over. */
  async accessToken(): Promise<string> {
    if (this.#ended) throw this.#ended;
    return (await this.#token.get()).accessToken;
  }

  /** Refreshes now (or joins the refresh already running), e.g. to learn whether the session still holds. */
  async refresh(): Promise<TokenSet> {
    if (this.#ended) throw this.#ended;
    return this.#token.replace(this.tokens.accessToken);
  }

  async replaceAccessToken(stale: string): Promise<string> {
    if (this.#ended) throw this.#ended;
    return (await this.#token.replace(stale)).accessToken;
  }

  async #end(error: SignedOutError, hooks: SessionHooks): Promise<void> {
    if (this.#ended) return;
    this.#ended = error;
    await hooks.onSignedOut?.(error);
  }
}
