import type { Kysely, Selectable } from 'kysely';
import type { ApiRecord, ApiStore, ChangeFeed } from '../ports.js';
import type { ApisTable, Database } from './schema.js';
import { changed, fromJsonList, inserted, toJsonList } from './json.js';

function apiOf(r: Selectable<ApisTable>): ApiRecord {
  return {
    id: r.id,
    identifier: r.identifier,
    name: r.name,
    scopes: JSON.parse(r.scopes) as ApiRecord['scopes'],
    accessTokenTtl: r.access_token_ttl === null ? null : Number(r.access_token_ttl),
    accessTokenAlg: r.access_token_alg === 'ES256' || r.access_token_alg === 'RS256' ? r.access_token_alg : null,
    rbac: Boolean(r.rbac),
    introspectionClients: fromJsonList(r.introspection_clients),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    version: Number(r.version),
  };
}

export function sqlApiStore(db: Kysely<Database>, changes?: ChangeFeed): ApiStore {
  const announce = async () => changes?.publish({ kind: 'apis' });
  return {
    async list() {
      return (await db.selectFrom('apis').selectAll().orderBy('name').orderBy('identifier').execute()).map(apiOf);
    },
    async findByIdentifier(identifier) {
      const row = await db.selectFrom('apis').selectAll().where('identifier', '=', identifier).executeTakeFirst();
      return row && apiOf(row);
    },
    async findById(id) {
      const row = await db.selectFrom('apis').selectAll().where('id', '=', id).executeTakeFirst();
      return row && apiOf(row);
    },
    async create(api) {
      const result = await db
        .insertInto('apis')
        .values({
          id: api.id,
          identifier: api.identifier,
          name: api.name,
          scopes: JSON.stringify(api.scopes),
          access_token_ttl: api.accessTokenTtl,
          access_token_alg: api.accessTokenAlg,
          rbac: api.rbac ? 1 : 0,
          introspection_clients: toJsonList(api.introspectionClients),
          created_at: api.createdAt,
          updated_at: api.updatedAt,
          version: api.version,
        })
        .onConflict((oc) => oc.column('identifier').doNothing())
        .executeTakeFirst();
      const created = inserted(result);
      if (created) await announce();
      return created;
    },
    async update(id, c, expectedVersion, now) {
      const set: Partial<ApisTable> = { updated_at: now };
      if (c.name !== undefined) set.name = c.name;
      if (c.scopes !== undefined) set.scopes = JSON.stringify(c.scopes);
      if (c.accessTokenTtl !== undefined) set.access_token_ttl = c.accessTokenTtl;
      if (c.accessTokenAlg !== undefined) set.access_token_alg = c.accessTokenAlg;
      if (c.rbac !== undefined) set.rbac = c.rbac ? 1 : 0;
      if (c.introspectionClients !== undefined) set.introspection_clients = toJsonList(c.introspectionClients);
      const result = await db
        .updateTable('apis')
        .set((eb) => ({ ...set, version: eb('version', '+', 1) }))
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      if (changed(result) === 1) {
        await announce();
        return 'ok';
      }
      return (await db.selectFrom('apis').select('id').where('id', '=', id).executeTakeFirst()) ? 'stale' : 'missing';
    },
    async delete(id) {
      // Its roles and their grants go with it (foreign keys, on delete cascade).
      const deleted = changed(await db.deleteFrom('apis').where('id', '=', id).executeTakeFirst()) === 1;
      await announce();
      return deleted;
    },
  };
}
