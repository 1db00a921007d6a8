/**
 * Words the core hands a page to say: a message id (`namespace:key` of the catalogs in src/ui/locales)
 * with the values it needs. The core decides what is said; the page says it in the reader's language.
 * OAuth `error_description`s are not messages: they are for developers and stay English.
 */
export interface Message {
  key: string;
  values?: Record<string, string | number>;
}

export function msg(key: string, values?: Record<string, string | number>): Message {
  return values ? { key, values } : { key };
}

/** Text the page shows as it is: an operator's or a developer's own words, or an upstream system's answer. */
export type Said = Message | string;
