import { useState } from 'react';
import { query } from '../api.ts';
import { ErrorText, Table } from '../components.tsx';
import { dateTime } from '../format.ts';
import { useApi } from '../hooks.ts';
import { setSearch, useLocation } from '../router.tsx';

interface Entry {
  id: string;
  actor: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
  created_at: string;
}

/** Operator: who did what to what, when and from where; filter by action or actor (kept in the URL). */
export function Audit() {
  const { search } = useLocation();
  const action = search.get('action') ?? '';
  const actor = search.get('actor') ?? '';
  const cursor = search.get('cursor') ?? undefined;
  const audit = useApi<{ data: Entry[]; next_cursor: string | null }>(
    '/admin/audit' + query({ action, actor, cursor }),
  );
  const [draft, setDraft] = useState({ action, actor });
  return (
    <section>
      <h1>Audit log</h1>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          setSearch(draft);
        }}
      >
        <label>
          Action{' '}
          <input
            name="audit-action"
            placeholder="e.g. credits.add"
            value={draft.action}
            onChange={(event) => setDraft({ ...draft, action: event.target.value })}
          />
        </label>
        <label>
          Actor{' '}
          <input
            name="audit-actor"
            value={draft.actor}
            onChange={(event) => setDraft({ ...draft, actor: event.target.value })}
          />
        </label>
        <button type="submit" className="primary">
          Filter
        </button>
      </form>
      <ErrorText error={audit.error} />
      <Table head={['Time', 'Actor', 'Action', 'Target', 'Detail', 'IP']} testId="audit-table">
        {audit.data?.data.map((entry) => {
          const { ip, ...detail } = entry.detail;
          return (
            <tr key={entry.id}>
              <td>{dateTime(entry.created_at)}</td>
              <td>{entry.actor}</td>
              <td data-col="action">{entry.action}</td>
              <td>{entry.target}</td>
              <td className="small">{JSON.stringify(detail)}</td>
              <td>{typeof ip === 'string' ? ip : ''}</td>
            </tr>
          );
        })}
      </Table>
      <button
        type="button"
        disabled={!audit.data?.next_cursor}
        onClick={() => setSearch({ action, actor, cursor: audit.data?.next_cursor ?? undefined })}
      >
        Older →
      </button>
    </section>
  );
}
