/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728): what an API tells clients about itself, so that
 * a client refused with 401 can find out which authorization server to ask (the `resource_metadata`
 * parameter of WWW-Authenticate, §5.1).
 */
export interface ProtectedResourceOptions {
  /** The API's identifier: the `resource` clients ask Tessera for, and the `aud` of its tokens. */
  resource: string;
  /** Scopes this API understands, published as `scopes_supported`. */
  scopes?: string[];
  /** A name for people (`resource_name`). */
  name?: string;
}

export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  bearer_methods_supported: string[];
  scopes_supported?: string[];
  resource_name?: string;
}

/** RFC 9728 §3.1: the well-known path goes between the host and the path of the resource identifier. */
export function metadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}

/** The path an API serves its metadata at (for a route: `app.get(metadataPath(resource), …)`). */
export function metadataPath(resource: string): string {
  return new URL(metadataUrl(resource)).pathname;
}

export function protectedResourceMetadata(issuer: string, options: ProtectedResourceOptions): ProtectedResourceMetadata {
  return {
    resource: options.resource,
    authorization_servers: [issuer],
    // RFC 6750 §2.1 only: tokens in bodies or URLs are refused.
    bearer_methods_supported: ['header'],
    ...(options.scopes ? { scopes_supported: options.scopes } : {}),
    ...(options.name ? { resource_name: options.name } : {}),
  };
}
