/** The audit log on SQLite (rows are written by each concern inside its own transaction). */
import * as dq from '../dashboard-queries.ts';
import { toAuditEntry } from '../mappers.ts';
import * as q from '../queries.ts';
import type { AuditStore } from '../store.ts';
import type { SqliteConnection } from './connection.ts';

export function sqliteAudit(connection: SqliteConnection): AuditStore {
  const { kysely } = connection;
  return {
    async auditLog(query = {}) {
      return connection.all(q.selectAudit(kysely, query)).map(toAuditEntry);
    },

    async auditPage(query) {
      return connection.all(dq.selectAuditPage(kysely, query)).map(toAuditEntry);
    },

    async recordAudit(entry) {
      connection.audit(entry.actor, entry.action, entry.target, entry.detail, connection.now());
    },
  };
}
