/** Operator configuration kept in the PostgreSQL database. */
import * as q from '../queries.ts';
import type { ConfigurationStore } from '../store.ts';
import type { PostgresConnection } from './connection.ts';

export function postgresConfiguration(connection: PostgresConnection): ConfigurationStore {
  const { db } = connection;
  return {
    async getSetting(name) {
      return (await q.selectSetting(db, name).executeTakeFirst())?.value;
    },

    async listSettings(prefix) {
      const rows = await q.selectSettingsWithPrefix(db, prefix).execute();
      return rows.filter((row) => row.name.startsWith(prefix));
    },

    async setSetting(name, value) {
      await db
        .insertInto('settings')
        .values({ name, value })
        .onConflict((conflict) => conflict.column('name').doUpdateSet({ value }))
        .execute();
    },
  };
}
