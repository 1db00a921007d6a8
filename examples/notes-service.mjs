// A service that calls the notes API on its own behalf (client credentials), reusing its
// access token until shortly before it expires.
//   TESSERA_ISSUER=… CLIENT_ID=… CLIENT_SECRET=… NOTES_API=http://localhost:4000 node examples/notes-service.mjs
import { clientCredentials } from 'tessera/client';

const api = process.env.NOTES_API ?? 'http://localhost:4000';
const calls = Number(process.env.CALLS ?? 3);
const notes = await clientCredentials({
  issuer: process.env.TESSERA_ISSUER ?? 'http://localhost:9000',
  clientId: process.env.CLIENT_ID,
  clientSecret: process.env.CLIENT_SECRET,
  scope: 'notes:read',
  onTokens: () => console.log('fetched a new access token'),
});

for (let i = 1; i <= calls; i++) {
  // The service's fetch attaches the token, fetching a new one first when it is about to expire.
  const response = await notes.fetch(`${api}/notes`);
  console.log(`call ${i}: ${response.status} ${await response.text()}`);
}
