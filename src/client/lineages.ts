import * as oidc from 'openid-client';
import { SignedOutError } from './errors.js';
import { tokenSetOf, type TokenSet } from './token-set.js';

interface Flight {
  /** Settles when Tessera has answered. */
  granted: Promise<TokenSet>;
  /** Settles when the new tokens are also stored. */
  done: Promise<TokenSet>;
}

/**
 * Refresh requests, at most one per refresh token in this process however many sessions hold it.
 *
 * Tessera rotates refresh tokens and takes a second use of one as theft: it revokes the whole
 * family, signing the user out (RFC 9700 §4.14.2, OAuth 2.1 §4.3.1). Two requests that restored
 * the same session from a store and both find the access token expired must therefore share one
 * refresh. The entry stays until the new tokens are stored, so a session restored after that reads
 * the new refresh token, not the spent one.
 */
export class Lineages {
  readonly #flights = new Map<string, Flight>();

  constructor(private readonly config: oidc.Configuration) {}

  /**
   * Refreshes `tokens`, or joins the refresh already running for their refresh token. Every caller
   * `adopt`s the new tokens once Tessera has issued them; the one that started the refresh also
   * `store`s them, and all wait for that. A refused refresh token is a SignedOutError.
   */
  refresh(tokens: TokenSet, adopt: (next: TokenSet) => void, store: (next: TokenSet) => Promise<void>): Promise<TokenSet> {
    const refreshToken = tokens.refreshToken;
    if (refreshToken === undefined) return Promise.reject(new SignedOutError('the access token is spent and there is no refresh token to get another'));
    let flight = this.#flights.get(refreshToken);
    if (flight === undefined) {
      const granted = oidc.refreshTokenGrant(this.config, refreshToken).then(
        (response) => tokenSetOf(response, tokens),
        (e: unknown) => Promise.reject(refused(e) ?? e),
      );
      const done = granted
        .then(async (next) => {
          await store(next);
          return next;
        })
        .finally(() => this.#flights.delete(refreshToken));
      flight = { granted, done };
      this.#flights.set(refreshToken, flight);
    }
    flight.granted.then(adopt, () => undefined);
    return flight.done;
  }
}

/** RFC 6749 §5.2: `invalid_grant` is a refresh token that is revoked, expired, reused or not this client's. */
function refused(e: unknown): SignedOutError | undefined {
  if (!(e instanceof oidc.ResponseBodyError) || e.error !== 'invalid_grant') return undefined;
  return new SignedOutError(`Tessera refused the refresh token: ${e.error_description ?? e.error}`, e.error, { cause: e });
}
