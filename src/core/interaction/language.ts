import type { ProtocolResponse } from '../protocol.js';

/** A page of an authorization request carries the client's `ui_locales`, so it is drawn in that language (unless the person chose another). */
export function inLanguageOf(request: { uiLocales?: string }, answer: ProtocolResponse): ProtocolResponse {
  return answer.kind === 'page' && request.uiLocales !== undefined ? { ...answer, uiLocales: request.uiLocales } : answer;
}
