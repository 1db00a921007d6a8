import { isDue, type TokenSet } from './token-set.js';

/**
 * Gets a new token. It may `adopt` the new token as soon as it has it, before work that may still
 * fail (storing it): a token Tessera has issued is kept even then, since its predecessor is spent.
 */
export type Renew = (current: TokenSet | undefined, adopt: (next: TokenSet) => void) => Promise<TokenSet>;

/**
 * One access token and at most one renewal of it in flight. Every caller that finds the token due,
 * or that saw it refused, waits for that same renewal: concurrent calls cause a single request.
 */
export class RenewingToken {
  #current: TokenSet | undefined;
  #renewing: Promise<TokenSet> | undefined;

  constructor(
    private readonly renew: Renew,
    private readonly earlySeconds: number,
    current?: TokenSet,
  ) {
    this.#current = current;
  }

  get current(): TokenSet | undefined {
    return this.#current;
  }

  /** The current token, renewed first when there is none or it is due. */
  async get(): Promise<TokenSet> {
    if (this.#renewing === undefined && this.#current !== undefined && !isDue(this.#current, this.earlySeconds)) return this.#current;
    return this.#renewOnce();
  }

  /** After an API refused `stale`: a new token, unless another caller has already replaced that one. */
  async replace(stale: string): Promise<TokenSet> {
    if (this.#renewing === undefined && this.#current !== undefined && this.#current.accessToken !== stale) return this.#current;
    return this.#renewOnce();
  }

  #renewOnce(): Promise<TokenSet> {
    this.#renewing ??= this.renew(this.#current, (next) => (this.#current = next))
      .then((next) => (this.#current = next))
      .finally(() => (this.#renewing = undefined));
    return this.#renewing;
  }
}
