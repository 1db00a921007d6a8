// A command-line app that signs its user in with the device flow (RFC 8628) and lists their notes.
//   TESSERA_ISSUER=… CLIENT_ID=… NOTES_API=http://localhost:4000 node examples/notes-cli.mjs
import * as oidc from 'openid-client';

const issuer = new URL(process.env.TESSERA_ISSUER ?? 'http://localhost:9000');
const api = process.env.NOTES_API ?? 'http://localhost:4000';
const options = issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined;
// A public client: a CLI cannot keep a secret.
const config = await oidc.discovery(issuer, process.env.CLIENT_ID, undefined, oidc.None(), options);

const device = await oidc.initiateDeviceAuthorization(config, { scope: 'openid profile notes:read' });
console.log(`To sign in, open ${device.verification_uri} and enter the code ${device.user_code}`);
console.log(`(or open ${device.verification_uri_complete})`);

const tokens = await oidc.pollDeviceAuthorizationGrant(config, device);
// Profile claims come from the UserInfo endpoint (OpenID Connect Core §5.4), for the ID token's subject.
const { name, preferred_username: username } = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims().sub);
console.log(`Signed in as ${name ?? username}`);

const response = await fetch(`${api}/notes`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
const { notes } = await response.json();
console.log(`${notes.length} note(s)`);
for (const note of notes) console.log(`- ${note.text}`);
