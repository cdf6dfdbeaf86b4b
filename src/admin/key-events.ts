/**
 * What the process does when a key pool changes a key: a key taken out (401/403) or put back is an
 * audit entry (the dashboard's audit page shows it) and a warning in the log; a cooled key is only logged.
 */
import type { Logger } from 'pino';
import type { KeyPoolEvent } from '../routing/key-pool.ts';
import type { AuditStore } from '../store/types.ts';

export function keyEventRecorder(store: AuditStore, logger: Logger): (event: KeyPoolEvent) => void {
  return (event) => {
    const target = `provider:${event.provider}/${event.label}`;
    if (event.kind === 'cooled') {
      logger.info(
        { provider: event.provider, credential: event.label, until: event.untilMs },
        'upstream key rate-limited',
      );
      return;
    }
    logger.warn(
      { provider: event.provider, credential: event.label, status: event.status },
      event.kind === 'disabled' ? 'upstream key refused by the upstream: taken out' : 'upstream key put back',
    );
    store
      .recordAudit({
        actor: event.kind === 'disabled' ? 'system' : 'admin',
        action: event.kind === 'disabled' ? 'upstream_key.disable' : 'upstream_key.enable',
        target,
        detail: { provider: event.provider, label: event.label, status: event.status ?? null },
      })
      .catch((error: unknown) =>
        logger.error({ error: (error as Error).message, target }, 'could not audit an upstream key change'),
      );
  };
}
