import type { Context } from '../context.js';
import { SUPPORTED_LOCALES } from '../locale.js';
import type { Grant } from '../grants/grant.js';
import { CLIENT_AUTH_METHODS, ID_TOKEN_ALGS } from '../clients/client.js';
import { json, type ProtocolResponse } from '../protocol.js';
import { ACR_MFA, ACR_PASSWORD, ACR_PHISHING_RESISTANT } from '../tokens/id-token.js';

/** Paths of the endpoints, relative to the issuer. */
export const PATHS = {
  authorization: '/authorize',
  token: '/token',
  userinfo: '/userinfo',
  revocation: '/revoke',
  introspection: '/introspect',
  endSession: '/logout',
  deviceAuthorization: '/device_authorization',
  device: '/device',
  deviceDecision: '/device/decision',
  signIn: '/login',
  registration: '/register',
  account: '/account',
  accountRevoke: '/account/revoke',
  accountUnlink: '/account/sign-in-methods/unlink',
  federationLink: '/federation/link',
  console: '/console',
  adminAudit: '/admin/audit',
  secondFactor: '/login/second-factor',
  passkeySignIn: '/login/passkey',
  accountSecondFactor: '/account/second-factor',
  accountSecondFactorConfirm: '/account/second-factor/confirm',
  jwks: '/jwks',
  openidConfiguration: '/.well-known/openid-configuration',
  oauthMetadata: '/.well-known/oauth-authorization-server',
  language: '/language',
} as const;

/**
 * Server metadata (RFC 8414 §2, OpenID Connect Discovery §3): exactly what this server does.
 * The same document serves both well-known URLs.
 */
/** Grants that are off unless an operator allows them for some client; advertised only then. */
const OPT_IN_GRANTS: readonly string[] = ['password'];

export function serverMetadata(ctx: Context, grants: readonly Grant[]): Record<string, unknown> {
  const base = ctx.config.issuer;
  return {
    issuer: base,
    authorization_endpoint: base + PATHS.authorization,
    token_endpoint: base + PATHS.token,
    userinfo_endpoint: base + PATHS.userinfo,
    revocation_endpoint: base + PATHS.revocation,
    introspection_endpoint: base + PATHS.introspection,
    end_session_endpoint: base + PATHS.endSession,
    device_authorization_endpoint: base + PATHS.deviceAuthorization,
    registration_endpoint: base + PATHS.registration,
    jwks_uri: base + PATHS.jwks,
    scopes_supported: Object.keys(ctx.config.scopeDescriptions),
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: grants.map((g) => g.grantType),
    subject_types_supported: ['public'],
    // What a client may register as id_token_signed_response_alg; RS256 first, as OpenID Connect expects it.
    id_token_signing_alg_values_supported: [...ID_TOKEN_ALGS],
    token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    // Public clients may revoke their own tokens (RFC 7009 §5); introspection needs a client that can authenticate.
    revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS.filter((m) => m !== 'none'),
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
    acr_values_supported: [ACR_PASSWORD, ACR_MFA, ACR_PHISHING_RESISTANT],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'amr', 'acr', 'name', 'preferred_username', 'locale', 'updated_at', 'email', 'email_verified', 'groups'],
    ui_locales_supported: [...SUPPORTED_LOCALES],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    // OpenID Connect Discovery §3: the default is true, so say false explicitly.
    request_uri_parameter_supported: false,
  };
}

export function discoveryEndpoint(ctx: Context, grants: readonly Grant[]) {
  return async (): Promise<ProtocolResponse> => {
    const enabled: Grant[] = [];
    for (const g of grants) if (!OPT_IN_GRANTS.includes(g.grantType) || (await ctx.stores.clients.anyWithGrant(g.grantType))) enabled.push(g);
    return json(200, serverMetadata(ctx, enabled), { 'Cache-Control': 'public, max-age=300' });
  };
}

export function jwksEndpoint(ctx: Context) {
  return async (): Promise<ProtocolResponse> => json(200, ctx.keys.jwks(), { 'Cache-Control': 'public, max-age=300' });
}
