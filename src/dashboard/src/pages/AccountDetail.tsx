/** Operator: one account — balance, credits with a note, suspend, rename, dashboard sign-in, ledger, keys, usage. */
import { useMemo, useState, type FormEvent } from 'react';
import { api, query } from '../api.ts';
import { Chart } from '../chart.tsx';
import { Card, ErrorText, Table } from '../components.tsx';
import { dateTime, range, usd, viewerTimeZone } from '../format.ts';
import { useApi } from '../hooks.ts';
import { Link } from '../router.tsx';
import type { AccountRow } from './Accounts.tsx';
import { keyStatus } from './Keys.tsx';

interface Credit {
  id: string;
  amount_usd: number;
  balance_after_usd: number;
  note: string | null;
  actor: string;
  created_at: string;
}
interface KeyRow {
  id: string;
  name: string | null;
  prefix: string;
  revoked_at: string | null;
  expires_at: string | null;
}

export function AccountDetail(props: { id: string }) {
  const id = encodeURIComponent(props.id);
  const account = useApi<AccountRow & { dashboard_login?: boolean }>(`/admin/accounts/${id}`);
  const ledger = useApi<{ data: Credit[] }>(`/admin/accounts/${id}/ledger`);
  const keys = useApi<{ data: KeyRow[] }>(`/admin/keys?account_id=${id}`);
  const tz = viewerTimeZone();
  const { from, to } = useMemo(() => range(30, tz), [tz]);
  const usage = useApi<{ data: Array<{ group: string; cost_usd: number }> }>(
    '/admin/usage/summary' + query({ account_id: props.id, group_by: 'day', from, to, tz }),
  );
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string>();
  const [name, setName] = useState('');

  const act = async (work: () => Promise<unknown>) => {
    try {
      setError(undefined);
      await work();
      account.reload();
      ledger.reload();
    } catch (caught) {
      setError((caught as Error).message);
    }
  };
  const credit = (event: FormEvent) => {
    event.preventDefault();
    void act(async () => {
      await api.post(`/admin/accounts/${id}/credits`, {
        amount_usd: Number(amount),
        note: note || undefined,
      });
      setAmount('');
      setNote('');
    });
  };
  const labels = useMemo(() => usage.data?.data.map((row) => row.group) ?? [], [usage.data]);
  const series = useMemo(
    () => [
      { label: 'Spend (USD)', values: usage.data?.data.map((row) => row.cost_usd) ?? [], color: '#2563eb' },
    ],
    [usage.data],
  );
  const data = account.data;
  if (account.error) return <ErrorText error={account.error} />;
  if (!data) return <p className="loading">Loading…</p>;
  return (
    <section>
      <p>
        <Link to="/admin/accounts">← Accounts</Link>
      </p>
      <h1 data-testid="account-name">{data.name}</h1>
      <div className="cards">
        <Card label="Balance" value={usd(data.balance_usd)} testId="account-balance" />
        <Card label="Held" value={usd(data.held_usd)} />
        <Card label="Status" value={data.status} testId="account-status" />
        <Card label="Dashboard sign-in" value={data.dashboard_login === false ? 'off' : 'on'} />
      </div>
      <ErrorText error={error} />
      <form className="inline-form" onSubmit={credit}>
        <label>
          Amount (USD, negative to deduct){' '}
          <input
            name="credit-amount"
            type="number"
            step="0.01"
            value={amount}
            onChange={(event) => setAmount(event.target.value)}
            required
          />
        </label>
        <label>
          Note <input name="credit-note" value={note} onChange={(event) => setNote(event.target.value)} />
        </label>
        <button type="submit" className="primary">
          Add credits
        </button>
      </form>
      <div className="row">
        <button
          type="button"
          onClick={() =>
            void act(() =>
              api.patch(`/admin/accounts/${id}`, {
                status: data.status === 'active' ? 'suspended' : 'active',
              }),
            )
          }
        >
          {data.status === 'active' ? 'Suspend' : 'Reactivate'}
        </button>
        <button
          type="button"
          onClick={() =>
            void act(() =>
              api.patch(`/admin/accounts/${id}`, { dashboard_login: data.dashboard_login === false }),
            )
          }
        >
          {data.dashboard_login === false ? 'Allow dashboard sign-in' : 'Block dashboard sign-in'}
        </button>
        <input
          aria-label="New name"
          placeholder="New name"
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
        <button
          type="button"
          disabled={!name}
          onClick={() => void act(() => api.patch(`/admin/accounts/${id}`, { name }))}
        >
          Rename
        </button>
      </div>
      {usage.data ? (
        <Chart
          title={`Spend per day, 30 days (USD, ${tz})`}
          labels={labels}
          series={series}
          bars
          format={(value) => `$${value.toFixed(2)}`}
        />
      ) : null}
      <h2>Credit ledger</h2>
      <Table head={['Time', 'Amount', 'Balance after', 'Note', 'By']} testId="ledger-table">
        {ledger.data?.data.map((entry) => (
          <tr key={entry.id}>
            <td>{dateTime(entry.created_at)}</td>
            <td>{usd(entry.amount_usd)}</td>
            <td>{usd(entry.balance_after_usd)}</td>
            <td>{entry.note ?? ''}</td>
            <td>{entry.actor}</td>
          </tr>
        ))}
      </Table>
      <h2>Keys</h2>
      <Table head={['Key', 'Name', 'Status']}>
        {keys.data?.data.map((key) => (
          <tr key={key.id}>
            <td>
              <code>{key.prefix}…</code>
            </td>
            <td>{key.name ?? ''}</td>
            <td>{keyStatus(key)}</td>
          </tr>
        ))}
      </Table>
      <p>
        <Link to={`/admin/keys?account_id=${id}`}>Manage keys</Link> ·{' '}
        <Link to={`/admin/logs?account_id=${id}`}>Logs</Link>
      </p>
    </section>
  );
}
