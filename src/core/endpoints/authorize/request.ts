import type { Client } from '../../clients/client.js';
import type { OAuthError } from '../../errors.js';

export type Prompt = 'none' | 'login' | 'consent' | 'select_account';

/** A validated authorization request: what the client asked for, ready to be granted. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  redirectUriInRequest: boolean;
  state?: string;
  scopes: string[];
  codeChallenge: string;
  nonce?: string;
  prompt: Prompt[];
  maxAge?: number;
  loginHint?: string;
  /** OpenID Connect Core §3.1.2.1: the assurance levels the client asks for, in order of preference. */
  acrValues?: string[];
  /** An identity provider to sign in with, by name (`idp`): skips the choice on the login page. */
  idp?: string;
  /** RFC 8707: the APIs the tokens are for (the request's `resource`s, else the client's default API). */
  resources?: string[];
  /** OpenID Connect Core §3.1.2.1: the languages the client would like the pages in, well-formed tags only. */
  uiLocales?: string;
}

/** What the checks work on: single-valued parameters, the client, and the request being built. */
export interface CheckInput {
  params: Record<string, string>;
  client: Client;
  request: AuthorizationRequest;
}

/** A check validates one rule and fills its part of the request, or throws an OAuthError. */
export type AuthorizeCheck = (input: CheckInput) => void;

/**
 * Adds response parameters to the registered redirect URI without re-serializing it, so the
 * client gets back exactly the string it registered. `iss` goes on every response (RFC 9207).
 */
export function redirectWith(redirectUri: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.append(name, value);
  const encoded = query.toString();
  if (encoded === '') return redirectUri;
  const separator = redirectUri.includes('?') ? '&' : '?';
  return `${redirectUri}${separator}${encoded}`;
}

export function errorRedirect(issuer: string, redirectUri: string, state: string | undefined, e: OAuthError): string {
  return redirectWith(redirectUri, { error: e.error, error_description: e.description, state, iss: issuer });
}
