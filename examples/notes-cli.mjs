// A command-line app that signs its user in with the device flow (RFC 8628) and lists their notes.
//   TESSERA_ISSUER=… CLIENT_ID=… NOTES_API=http://localhost:4000 node examples/notes-cli.mjs
import { deviceFlow, DeviceFlowError } from 'tessera/client';

const api = process.env.NOTES_API ?? 'http://localhost:4000';
// A public client: a CLI cannot keep a secret.
const device = await deviceFlow({ issuer: process.env.TESSERA_ISSUER ?? 'http://localhost:9000', clientId: process.env.CLIENT_ID });

// Ctrl-C stops waiting for the user.
const cancel = new AbortController();
process.once('SIGINT', () => cancel.abort());
let signedIn;
try {
  signedIn = await device.signIn({
    scope: 'openid profile notes:read',
    signal: cancel.signal,
    onProgress(progress) {
      if (progress.type !== 'code') return;
      console.log(`To sign in, open ${progress.verificationUri} and enter the code ${progress.userCode}`);
      console.log(`(or open ${progress.verificationUriComplete})`);
    },
  });
} catch (e) {
  if (!(e instanceof DeviceFlowError)) throw e;
  console.error(`Not signed in: ${e.message}`);
  process.exit(1);
}

const session = device.session(signedIn.tokens);
// Profile claims come from the UserInfo endpoint (OpenID Connect Core §5.4), for the ID token's subject.
const { name, preferred_username: username } = await device.userInfo(session, signedIn.claims.sub);
console.log(`Signed in as ${name ?? username}`);

const response = await session.fetch(`${api}/notes`);
const { notes } = await response.json();
console.log(`${notes.length} note(s)`);
for (const note of notes) console.log(`- ${note.text}`);
