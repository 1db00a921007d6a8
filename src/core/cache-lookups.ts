/**
 * Hears each lookup in one of the core's in-memory caches: the imported signing keys (a miss is a
 * kid this node does not know) and the tokens whose signature was already checked. For metrics;
 * it must be cheap and never throw.
 */
export type CacheLookupObserver = (cache: 'keys' | 'verified_tokens', result: 'hit' | 'miss') => void;
