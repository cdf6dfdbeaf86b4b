/** Operator: every account with balance, 30-day spend, key count and status; create one. */
import { useMemo, useState, type FormEvent } from 'react';
import { api, query } from '../api.ts';
import { ErrorText, Table } from '../components.tsx';
import { range, usd, viewerTimeZone } from '../format.ts';
import { useApi } from '../hooks.ts';
import { Link, navigate } from '../router.tsx';

export interface AccountRow {
  id: string;
  name: string;
  status: string;
  balance_usd: number;
  held_usd: number;
  created_at: string;
}
interface KeyRow {
  id: string;
  account_id: string;
  revoked_at: string | null;
}
interface Summary {
  data: Array<{ group: string; cost_usd: number }>;
}

export function Accounts() {
  const accounts = useApi<{ data: AccountRow[] }>('/admin/accounts');
  const keys = useApi<{ data: KeyRow[] }>('/admin/keys');
  const { from, to } = useMemo(() => range(30), []);
  const spend = useApi<Summary>(
    '/admin/usage/summary' + query({ group_by: 'account', from, to, tz: viewerTimeZone() }),
  );
  const [name, setName] = useState('');
  const [credits, setCredits] = useState('');
  const [error, setError] = useState<string>();

  const create = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const created = await api.post<AccountRow>('/admin/accounts', {
        name,
        credits_usd: credits ? Number(credits) : undefined,
      });
      navigate(`/admin/accounts/${encodeURIComponent(created.id)}`);
    } catch (caught) {
      setError((caught as Error).message);
    }
  };
  const spendOf = new Map(spend.data?.data.map((row) => [row.group, row.cost_usd]));
  const keyCount = (id: string) =>
    keys.data?.data.filter((key) => key.account_id === id && !key.revoked_at).length ?? 0;

  return (
    <section>
      <h1>Accounts</h1>
      <form className="inline-form" onSubmit={(event) => void create(event)}>
        <label>
          Name{' '}
          <input
            name="account-name"
            value={name}
            onChange={(event) => setName(event.target.value)}
            required
          />
        </label>
        <label>
          Starting credits (USD){' '}
          <input
            name="account-credits"
            type="number"
            min="0"
            step="0.01"
            value={credits}
            onChange={(event) => setCredits(event.target.value)}
          />
        </label>
        <button type="submit" className="primary">
          Create account
        </button>
      </form>
      <ErrorText error={error ?? accounts.error} />
      <Table head={['Name', 'Balance', '30-day spend', 'Keys', 'Status']} testId="accounts-table">
        {accounts.data?.data.map((account) => (
          <tr key={account.id}>
            <td>
              <Link to={`/admin/accounts/${encodeURIComponent(account.id)}`}>{account.name}</Link>
              <div className="muted small">{account.id}</div>
            </td>
            <td>{usd(account.balance_usd)}</td>
            <td>{usd(spendOf.get(account.id) ?? 0)}</td>
            <td>{keyCount(account.id)}</td>
            <td>{account.status}</td>
          </tr>
        ))}
      </Table>
    </section>
  );
}
