/** The audit log on PostgreSQL (rows are written by each concern inside its own transaction). */
import * as dq from '../dashboard-queries.ts';
import { toAuditEntry } from '../mappers.ts';
import * as q from '../queries.ts';
import type { AuditStore } from '../store.ts';
import type { PostgresConnection } from './connection.ts';

export function postgresAudit(connection: PostgresConnection): AuditStore {
  const { db } = connection;
  return {
    async auditLog(query = {}) {
      return (await q.selectAudit(db, query).execute()).map(toAuditEntry);
    },

    async auditPage(query) {
      return (await dq.selectAuditPage(db, query).execute()).map(toAuditEntry);
    },

    async recordAudit(entry) {
      await db
        .transaction()
        .execute((tx) =>
          connection.audit(tx, entry.actor, entry.action, entry.target, entry.detail, connection.now()),
        );
    },
  };
}
