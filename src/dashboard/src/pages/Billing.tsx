import { Card, ErrorText, Table } from '../components.tsx';
import { dateTime, usd } from '../format.ts';
import { useApi } from '../hooks.ts';

interface Credit {
  id: string;
  amount_usd: number;
  balance_after_usd: number;
  note: string | null;
  created_at: string;
}

/** Customer: balance, the credit ledger (operator top-ups and corrections) and how to top up. */
export function Billing() {
  const account = useApi<{ account: { balance_usd: number; held_usd: number }; top_up_text: string }>(
    '/account',
  );
  const ledger = useApi<{ data: Credit[] }>('/account/ledger');
  return (
    <section>
      <h1>Billing</h1>
      <ErrorText error={account.error ?? ledger.error} />
      <div className="cards">
        <Card
          label="Balance"
          value={account.data ? usd(account.data.account.balance_usd) : '…'}
          testId="balance"
        />
        <Card
          label="Held by requests in flight"
          value={account.data ? usd(account.data.account.held_usd) : '…'}
        />
      </div>
      <p>{account.data?.top_up_text}</p>
      <h2>Credit ledger</h2>
      <Table head={['Time', 'Amount', 'Balance after', 'Note']} testId="ledger-table">
        {ledger.data?.data.map((entry) => (
          <tr key={entry.id}>
            <td>{dateTime(entry.created_at)}</td>
            <td>{usd(entry.amount_usd)}</td>
            <td>{usd(entry.balance_after_usd)}</td>
            <td>{entry.note ?? ''}</td>
          </tr>
        ))}
      </Table>
    </section>
  );
}
