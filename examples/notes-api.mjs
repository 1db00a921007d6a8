// The notes API: a resource server that trusts Tessera's access tokens, guarded by scope.
//   TESSERA_ISSUER=http://localhost:9000 PORT=4000 node examples/notes-api.mjs
import Fastify from 'fastify';
import { createGuard } from 'tessera/resource-server';
import { requireScope } from 'tessera/resource-server/fastify';

const issuer = process.env.TESSERA_ISSUER ?? 'http://localhost:9000';
const port = Number(process.env.PORT ?? 4000);
// Tessera's access tokens name the issuer as their audience unless the operator set another.
const guard = createGuard({ issuer, audience: process.env.NOTES_AUDIENCE ?? issuer, realm: 'notes' });

/** Each user's notes, by the token's subject. Kept in memory: this is an example. */
const notes = new Map();

const app = Fastify();
app.get('/notes', { preHandler: requireScope(guard, 'notes:read') }, async (request) => ({ notes: notes.get(request.accessToken.sub) ?? [] }));
app.post('/notes', { preHandler: requireScope(guard, 'notes:write') }, async (request, reply) => {
  const text = typeof request.body?.text === 'string' ? request.body.text.trim() : '';
  if (text === '' || text.length > 500) return reply.code(400).send({ error: 'invalid_request', error_description: 'text: 1 to 500 characters' });
  const mine = notes.get(request.accessToken.sub) ?? [];
  mine.push({ id: mine.length + 1, text });
  notes.set(request.accessToken.sub, mine);
  return reply.code(201).send(mine.at(-1));
});

const address = await app.listen({ port, host: '127.0.0.1' });
console.log(`notes API listening on ${address}`);
