/**
 * One row per request. Filters and the page cursor live in the URL (a reload keeps them); the CSV link
 * carries the same filters, so the export matches the screen. First render: this list and the model
 * list, besides the app's one session call.
 */
import { useState, type FormEvent } from 'react';
import { query } from '../api.ts';
import { ErrorText, Table } from '../components.tsx';
import { count, dateTime, ms, usd, viewerTimeZone } from '../format.ts';
import { useApi } from '../hooks.ts';
import { setSearch, useLocation } from '../router.tsx';

interface LogRow {
  request_id: string;
  attempt: number;
  created_at: string;
  account_id?: string;
  key_id: string;
  model: string;
  status: number | null;
  state: string;
  stream: boolean;
  prompt_tokens: number;
  cached_tokens: number;
  completion_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  latency_ms: number | null;
  ttft_ms: number | null;
  error_code: string | null;
}
interface LogPage {
  data: LogRow[];
  next_cursor: string | null;
  totals: { requests: number; cost_usd: number };
}

const FILTERS = ['account_id', 'key_id', 'model', 'status', 'from', 'to'] as const;

export function Logs(props: { role: 'admin' | 'account' }) {
  const admin = props.role === 'admin';
  const { search } = useLocation();
  const tz = viewerTimeZone();
  const filters: Record<string, string | undefined> = {};
  for (const name of FILTERS)
    if (admin || name !== 'account_id') filters[name] = search.get(name) ?? undefined;
  const cursor = search.get('cursor') ?? undefined;
  const base = admin ? '/admin/logs' : '/account/logs';
  const page = useApi<LogPage>(base + query({ ...filters, cursor, tz }));
  const models = useApi<{ data: Array<{ id: string }> }>(admin ? '/admin/models' : '/account/models');
  const [open, setOpen] = useState<LogRow>();
  const [draft, setDraft] = useState(filters);
  const keepTz = search.get('tz') ?? undefined;

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setSearch({ ...draft, tz: keepTz });
  };
  const field = (name: string, label: string, type = 'text') => (
    <label>
      {label}
      <input
        name={`filter-${name}`}
        type={type}
        value={draft[name] ?? ''}
        onChange={(event) => setDraft({ ...draft, [name]: event.target.value || undefined })}
      />
    </label>
  );
  const csv = `${base}.csv` + query({ ...filters, tz });

  return (
    <section>
      <h1>Logs</h1>
      <form className="inline-form filters" onSubmit={apply}>
        {admin ? field('account_id', 'Account id') : null}
        {field('key_id', 'Key id')}
        <label>
          Model
          <select
            name="filter-model"
            value={draft.model ?? ''}
            onChange={(event) => setDraft({ ...draft, model: event.target.value || undefined })}
          >
            <option value="">any</option>
            {models.data?.data.map((model) => (
              <option key={model.id}>{model.id}</option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select
            name="filter-status"
            value={draft.status ?? ''}
            onChange={(event) => setDraft({ ...draft, status: event.target.value || undefined })}
          >
            <option value="">any</option>
            <option value="ok">ok (2xx)</option>
            <option value="error">error</option>
          </select>
        </label>
        {field('from', 'From (ISO time)')}
        {field('to', 'To (ISO time)')}
        <button type="submit" className="primary">
          Apply
        </button>
        <a className="button" href={csv} download="portico-logs.csv" data-testid="csv-link">
          Export CSV
        </a>
      </form>
      <ErrorText error={page.error} />
      <p data-testid="logs-total">
        {page.data
          ? `${count(page.data.totals.requests)} requests · ${usd(page.data.totals.cost_usd, 6)} total`
          : 'Loading…'}{' '}
        · times in {tz}
      </p>
      <Table
        head={[
          'Time',
          ...(admin ? ['Account'] : []),
          'Key',
          'Model',
          'Tokens in/cached/out/reasoning',
          'Cost',
          'Latency',
          'TTFT',
          'Status',
          'Request',
        ]}
        testId="logs-table"
      >
        {page.data?.data.map((row) => (
          <tr key={`${row.request_id}:${row.attempt}`} onClick={() => setOpen(row)} className="clickable">
            <td>{dateTime(row.created_at)}</td>
            {admin ? <td>{row.account_id}</td> : null}
            <td>{row.key_id}</td>
            <td data-col="model">{row.model}</td>
            <td>
              {row.prompt_tokens - row.cached_tokens}/{row.cached_tokens}/
              {row.completion_tokens - row.reasoning_tokens}/{row.reasoning_tokens}
            </td>
            <td data-col="cost" data-cost={row.cost_usd}>
              {usd(row.cost_usd, 6)}
            </td>
            <td>{ms(row.latency_ms)}</td>
            <td>{ms(row.ttft_ms)}</td>
            <td data-col="status">{row.status ?? row.state}</td>
            <td className="small">{row.request_id}</td>
          </tr>
        ))}
      </Table>
      <div className="row">
        <button type="button" disabled={!cursor} onClick={() => setSearch({ ...filters, tz: keepTz })}>
          ← Newest
        </button>
        <button
          type="button"
          disabled={!page.data?.next_cursor}
          onClick={() => setSearch({ ...filters, tz: keepTz, cursor: page.data?.next_cursor ?? undefined })}
        >
          Older →
        </button>
      </div>
      {open ? (
        <aside className="drawer" aria-label="Request detail">
          <button type="button" onClick={() => setOpen(undefined)}>
            Close
          </button>
          <pre>{JSON.stringify(open, null, 2)}</pre>
        </aside>
      ) : null}
    </section>
  );
}
