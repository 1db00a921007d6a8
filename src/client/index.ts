/**
 * The app side of Tessera, on openid-client: a web app's sign-in and sessions (`oauthClient`), a
 * service's own token (`clientCredentials`) and a device's sign-in (`deviceFlow`). Each hands out a
 * `fetch` that attaches the access token and renews it, one renewal at a time.
 */
export { connect, type ConnectOptions } from './connect.js';
export { oauthClient, OAuthClient, type OAuthClientOptions, type PendingSignIn, type AuthorizationUrlOptions } from './oauth-client.js';
export { clientCredentials, ClientCredentialsClient, type ClientCredentialsOptions } from './client-credentials.js';
export { deviceFlow, DeviceFlowClient, type DeviceFlowOptions, type DeviceSignInOptions, type DeviceProgress } from './device-flow.js';
export { UserClient, type SignedIn } from './user-client.js';
export { UserSession, type SessionHooks } from './user-session.js';
export { SignedOutError, DeviceFlowError, type DeviceFlowEnd } from './errors.js';
export type { TokenSet } from './token-set.js';
export type { Fetch, AccessTokenSource } from './authorized-fetch.js';
