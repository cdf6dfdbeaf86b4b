/** Operator configuration kept in the SQLite database. */
import * as q from '../queries.ts';
import type { ConfigurationStore } from '../store.ts';
import type { SqliteConnection } from './connection.ts';

export function sqliteConfiguration(connection: SqliteConnection): ConfigurationStore {
  const { kysely } = connection;
  return {
    async getSetting(name) {
      return connection.first(q.selectSetting(kysely, name))?.value;
    },

    async listSettings(prefix) {
      return connection
        .all(q.selectSettingsWithPrefix(kysely, prefix))
        .filter((row) => row.name.startsWith(prefix));
    },

    async setSetting(name, value) {
      connection.run(
        kysely
          .insertInto('settings')
          .values({ name, value })
          .onConflict((conflict) => conflict.column('name').doUpdateSet({ value })),
      );
    },
  };
}
