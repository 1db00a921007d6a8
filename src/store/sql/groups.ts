import type { Kysely, Selectable } from 'kysely';
import type { GroupMapping, GroupRecord, GroupStore } from '../ports.js';
import type { Database, GroupsTable } from './schema.js';
import { changed, inserted, insertedUnlessParentGone } from './json.js';

function groupOf(r: Selectable<GroupsTable>): GroupRecord {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    mappings: JSON.parse(r.mappings) as GroupMapping[],
    externalId: r.external_id ?? null,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function sqlGroupStore(db: Kysely<Database>): GroupStore {
  return {
    async list() {
      return (await db.selectFrom('groups').selectAll().orderBy('name_key').execute()).map(groupOf);
    },
    async findByName(name) {
      const row = await db.selectFrom('groups').selectAll().where('name_key', '=', name.toLowerCase()).executeTakeFirst();
      return row && groupOf(row);
    },
    async findById(id) {
      const row = await db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
      return row && groupOf(row);
    },
    async create(group) {
      const result = await db
        .insertInto('groups')
        .values({
          id: group.id,
          name: group.name,
          name_key: group.name.toLowerCase(),
          description: group.description,
          mappings: JSON.stringify(group.mappings),
          external_id: group.externalId,
          created_at: group.createdAt,
          updated_at: group.updatedAt,
        })
        .onConflict((oc) => oc.column('name_key').doNothing())
        .executeTakeFirst();
      return inserted(result);
    },
    async update(id, c, now) {
      const set: Partial<GroupsTable> = { updated_at: now };
      if (c.description !== undefined) set.description = c.description;
      if (c.mappings !== undefined) set.mappings = JSON.stringify(c.mappings);
      if (c.externalId !== undefined) set.external_id = c.externalId;
      if (c.name !== undefined) {
        set.name = c.name;
        set.name_key = c.name.toLowerCase();
        // A name another group holds: nothing is written (checked in the same statement, and by the unique index).
        const query = db
          .updateTable('groups')
          .set(set)
          .where('id', '=', id)
          .where(({ not, exists, selectFrom }) => not(exists(selectFrom('groups as other').select('other.id').where('other.name_key', '=', set.name_key!).where('other.id', '!=', id))));
        try {
          return changed(await query.executeTakeFirst()) === 1;
        } catch (e) {
          if (await db.selectFrom('groups').select('id').where('name_key', '=', set.name_key!).where('id', '!=', id).executeTakeFirst()) return false;
          throw e;
        }
      }
      return changed(await db.updateTable('groups').set(set).where('id', '=', id).executeTakeFirst()) === 1;
    },
    async delete(id) {
      // Memberships and grants of roles to the group go with it (foreign keys, on delete cascade).
      return changed(await db.deleteFrom('groups').where('id', '=', id).executeTakeFirst()) === 1;
    },
    async addMember(groupId, userId, now) {
      // Inserted from a join, so a group or user deleted before it adds nothing; one deleted while it runs
      // (a PostgreSQL foreign key check after the select) likewise.
      return insertedUnlessParentGone(
        db
          .insertInto('group_members')
          .columns(['group_id', 'user_id', 'created_at'])
          .expression((eb) =>
            eb
              .selectFrom('groups')
              .innerJoin('users', (join) => join.on('users.id', '=', userId))
              .select((s) => [s.ref('groups.id').as('group_id'), s.ref('users.id').as('user_id'), s.val(now).as('created_at')])
              .where('groups.id', '=', groupId),
          )
          .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing())
          .executeTakeFirst(),
      );
    },
    async removeMember(groupId, userId) {
      return changed(await db.deleteFrom('group_members').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst()) === 1;
    },
    async listMembers(groupId) {
      const rows = await db.selectFrom('group_members').select('user_id').where('group_id', '=', groupId).orderBy('created_at').orderBy('user_id').execute();
      return rows.map((r) => r.user_id);
    },
    async listByMember(userId) {
      const rows = await db
        .selectFrom('groups')
        .innerJoin('group_members', 'group_members.group_id', 'groups.id')
        .selectAll('groups')
        .where('group_members.user_id', '=', userId)
        .orderBy('groups.name_key')
        .execute();
      return rows.map(groupOf);
    },
    async listMapped() {
      return (await db.selectFrom('groups').selectAll().where('mappings', '<>', '[]').orderBy('name_key').execute()).map(groupOf);
    },
  };
}
