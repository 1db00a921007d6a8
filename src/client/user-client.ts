import * as oidc from 'openid-client';
import { Lineages } from './lineages.js';
import { tokenSetOf, type TokenSet } from './token-set.js';
import { UserSession, type SessionHooks } from './user-session.js';

/** Tokens just obtained for a user, and the claims of their ID token (when `openid` was granted). */
export interface SignedIn {
  tokens: TokenSet;
  claims: oidc.IDToken | undefined;
}

/** What a client that signs users in (web or device) does with their tokens afterwards. */
export class UserClient {
  readonly #lineages: Lineages;

  constructor(
    /** openid-client's configuration, for anything this library does not cover. */
    readonly configuration: oidc.Configuration,
    /** How long before expiry an access token is refreshed (at most half its lifetime). */
    protected readonly refreshEarlySeconds = 30,
  ) {
    this.#lineages = new Lineages(configuration);
  }

  /**
   * A session over `tokens` (fresh from sign-in, or restored from the app's store): its `fetch`
   * calls APIs with the access token and refreshes it, one refresh at a time per refresh token.
   */
  session(tokens: TokenSet, hooks?: SessionHooks): UserSession {
    return new UserSession(tokens, this.#lineages, hooks, this.refreshEarlySeconds);
  }

  /** The user's claims from the UserInfo endpoint (OpenID Connect Core §5.3), checked to be about `subject`. */
  async userInfo(session: UserSession, subject: string): Promise<oidc.UserInfoResponse> {
    return oidc.fetchUserInfo(this.configuration, await session.accessToken(), subject);
  }

  protected signedIn(response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): SignedIn {
    return { tokens: tokenSetOf(response), claims: response.claims() };
  }
}
