import { sql, type Kysely, type Selectable } from 'kysely';
import type { RoleHolder, RoleRecord, RoleStore } from '../ports.js';
import type { Database, RolesTable } from './schema.js';
import { changed, fromJsonList, insertedUnlessParentGone, toJsonList } from './json.js';

/** Role names are unique per API, and among the global roles ('*'). */
const ownerOf = (apiId: string | null) => apiId ?? '*';

function roleOf(r: Selectable<RolesTable>): RoleRecord {
  return {
    id: r.id,
    apiId: r.api_id,
    name: r.name,
    description: r.description,
    scopes: fromJsonList(r.scopes),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function sqlRoleStore(db: Kysely<Database>): RoleStore {
  /** Roles held by the user directly or through one of the groups, among `owners`' roles (all when undefined). */
  async function held(userId: string, groupIds: readonly string[], owners?: string[]): Promise<RoleRecord[]> {
    let query = db
      .selectFrom('roles')
      .selectAll()
      .where((eb) => {
        const direct = eb.exists(eb.selectFrom('role_users').select(sql.lit(1).as('one')).whereRef('role_users.role_id', '=', 'roles.id').where('role_users.user_id', '=', userId));
        if (groupIds.length === 0) return direct;
        const viaGroup = eb.exists(
          eb.selectFrom('role_groups').select(sql.lit(1).as('one')).whereRef('role_groups.role_id', '=', 'roles.id').where('role_groups.group_id', 'in', [...groupIds]),
        );
        return eb.or([direct, viaGroup]);
      });
    if (owners) query = query.where('owner', 'in', owners);
    return (await query.orderBy('owner').orderBy('name_key').execute()).map(roleOf);
  }

  return {
    async list(apiId) {
      let query = db.selectFrom('roles').selectAll();
      if (apiId !== undefined) query = query.where('owner', '=', ownerOf(apiId));
      return (await query.orderBy('owner').orderBy('name_key').execute()).map(roleOf);
    },
    async find(apiId, name) {
      const row = await db.selectFrom('roles').selectAll().where('owner', '=', ownerOf(apiId)).where('name_key', '=', name.toLowerCase()).executeTakeFirst();
      return row && roleOf(row);
    },
    async create(role) {
      const values = {
        id: role.id,
        api_id: role.apiId,
        owner: ownerOf(role.apiId),
        name: role.name,
        name_key: role.name.toLowerCase(),
        description: role.description,
        scopes: toJsonList(role.scopes),
        created_at: role.createdAt,
        updated_at: role.updatedAt,
      };
      const apiId = role.apiId;
      const insert = db.insertInto('roles');
      // An API's role is inserted from a select of the API, so one deleted before gets none; one deleted
      // while it runs (a PostgreSQL foreign key check after the select) likewise.
      const write = apiId === null
        ? insert.values(values)
        : insert.columns(Object.keys(values) as (keyof typeof values)[]).expression((eb) =>
            eb
              .selectFrom('apis')
              .select((s) => Object.entries(values).map(([k, v]) => s.val(v).as(k)))
              .where('id', '=', apiId),
          );
      return insertedUnlessParentGone(write.onConflict((oc) => oc.columns(['owner', 'name_key']).doNothing()).executeTakeFirst());
    },
    async update(id, c, now) {
      const set: Partial<RolesTable> = { updated_at: now };
      if (c.description !== undefined) set.description = c.description;
      if (c.scopes !== undefined) set.scopes = toJsonList(c.scopes);
      return changed(await db.updateTable('roles').set(set).where('id', '=', id).executeTakeFirst()) === 1;
    },
    async delete(id) {
      return changed(await db.deleteFrom('roles').where('id', '=', id).executeTakeFirst()) === 1;
    },
    async grant(roleId, holder, now) {
      // Inserted from a join, so a role, user or group deleted before (or while it runs) gets nothing instead of failing.
      return insertedUnlessParentGone(
        holder.kind === 'user'
          ? db
              .insertInto('role_users')
              .columns(['role_id', 'user_id', 'created_at'])
              .expression((eb) =>
                eb
                  .selectFrom('roles')
                  .innerJoin('users', (join) => join.on('users.id', '=', holder.id))
                  .select((s) => [s.ref('roles.id').as('role_id'), s.ref('users.id').as('user_id'), s.val(now).as('created_at')])
                  .where('roles.id', '=', roleId),
              )
              .onConflict((oc) => oc.columns(['role_id', 'user_id']).doNothing())
              .executeTakeFirst()
          : db
              .insertInto('role_groups')
              .columns(['role_id', 'group_id', 'created_at'])
              .expression((eb) =>
                eb
                  .selectFrom('roles')
                  .innerJoin('groups', (join) => join.on('groups.id', '=', holder.id))
                  .select((s) => [s.ref('roles.id').as('role_id'), s.ref('groups.id').as('group_id'), s.val(now).as('created_at')])
                  .where('roles.id', '=', roleId),
              )
              .onConflict((oc) => oc.columns(['role_id', 'group_id']).doNothing())
              .executeTakeFirst(),
      );
    },
    async revoke(roleId, holder) {
      const result =
        holder.kind === 'user'
          ? await db.deleteFrom('role_users').where('role_id', '=', roleId).where('user_id', '=', holder.id).executeTakeFirst()
          : await db.deleteFrom('role_groups').where('role_id', '=', roleId).where('group_id', '=', holder.id).executeTakeFirst();
      return changed(result) === 1;
    },
    async holders(roleId) {
      const [users, groups] = await Promise.all([
        db.selectFrom('role_users').select('user_id').where('role_id', '=', roleId).orderBy('created_at').orderBy('user_id').execute(),
        db.selectFrom('role_groups').select('group_id').where('role_id', '=', roleId).orderBy('created_at').orderBy('group_id').execute(),
      ]);
      return [...users.map((u): RoleHolder => ({ kind: 'user', id: u.user_id })), ...groups.map((g): RoleHolder => ({ kind: 'group', id: g.group_id }))];
    },
    heldBy: (userId, groupIds, apiId) => held(userId, groupIds, [apiId, '*']),
    allHeldBy: (userId, groupIds) => held(userId, groupIds),
  };
}
