/** Overview for both roles: totals, percentiles, spend per local day, tokens by kind, per-model table. */
import { useMemo } from 'react';
import { query } from '../api.ts';
import { Chart } from '../chart.tsx';
import { Card, ErrorText, Table } from '../components.tsx';
import { count, ms, range, usd, viewerTimeZone } from '../format.ts';
import { useApi } from '../hooks.ts';
import { setSearch, useLocation } from '../router.tsx';

interface Bucket {
  group: string;
  requests: number;
  errors: number;
  input_tokens: number;
  cached_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
}
interface Summary {
  time_zone: string;
  totals: Bucket & {
    error_rate: number;
    latency_ms: { p50: number | null; p95: number | null };
    ttft_ms: { p50: number | null; p95: number | null };
  };
  data: Bucket[];
}
interface AccountInfo {
  account: { balance_usd: number; name: string };
  low_balance: boolean;
  low_balance_threshold_usd: number;
}

const RANGES: Array<[string, string, number]> = [
  ['1d', 'Today', 1],
  ['7d', '7 days', 7],
  ['30d', '30 days', 30],
];
const money = (value: number) => `$${value.toFixed(2)}`;

export function Overview(props: { role: 'admin' | 'account' }) {
  const { search } = useLocation();
  const rangeName = search.get('range') ?? '7d';
  const days = RANGES.find(([name]) => name === rangeName)?.[2] ?? 7;
  const tz = viewerTimeZone();
  const { from, to } = useMemo(() => range(days, tz), [days, tz]);
  const base = props.role === 'admin' ? '/admin/usage/summary' : '/account/usage';
  const daily = useApi<Summary>(base + query({ group_by: 'day', from, to, tz }));
  const models = useApi<Summary>(base + query({ group_by: 'model', from, to, tz }));
  const hourly = useApi<Summary>(days <= 7 ? base + query({ group_by: 'hour', from, to, tz }) : null);
  const accountInfo = useApi<AccountInfo>(props.role === 'account' ? '/account' : null);
  const accounts = useApi<Summary>(
    props.role === 'admin' ? base + query({ group_by: 'account', from, to, tz }) : null,
  );

  const labels = useMemo(() => daily.data?.data.map((bucket) => bucket.group) ?? [], [daily.data]);
  const spend = useMemo(
    () => [
      {
        label: 'Spend (USD)',
        values: daily.data?.data.map((bucket) => bucket.cost_usd) ?? [],
        color: '#2563eb',
      },
    ],
    [daily.data],
  );
  const tokens = useMemo(
    () => [
      {
        label: 'input',
        values: daily.data?.data.map((bucket) => bucket.input_tokens) ?? [],
        color: '#2563eb',
      },
      {
        label: 'cached',
        values: daily.data?.data.map((bucket) => bucket.cached_tokens) ?? [],
        color: '#16a34a',
      },
      {
        label: 'output',
        values: daily.data?.data.map((bucket) => bucket.output_tokens) ?? [],
        color: '#d97706',
      },
      {
        label: 'reasoning',
        values: daily.data?.data.map((bucket) => bucket.reasoning_tokens) ?? [],
        color: '#9333ea',
      },
    ],
    [daily.data],
  );
  const hourLabels = useMemo(
    () => hourly.data?.data.map((bucket) => bucket.group.slice(5).replace('T', ' ') + 'h') ?? [],
    [hourly.data],
  );
  const hourSeries = useMemo(
    () => [
      {
        label: 'requests',
        values: hourly.data?.data.map((bucket) => bucket.requests) ?? [],
        color: '#2563eb',
      },
      { label: 'errors', values: hourly.data?.data.map((bucket) => bucket.errors) ?? [], color: '#dc2626' },
    ],
    [hourly.data],
  );
  const totals = daily.data?.totals;

  return (
    <section>
      <h1>Overview</h1>
      {accountInfo.data?.low_balance ? (
        <p className="banner" role="status" data-testid="low-balance">
          Low balance: {usd(accountInfo.data.account.balance_usd)} left (below{' '}
          {usd(accountInfo.data.low_balance_threshold_usd)}).
        </p>
      ) : null}
      <div className="row">
        {RANGES.map(([name, label]) => (
          <button
            key={name}
            type="button"
            className={name === rangeName ? 'primary' : undefined}
            onClick={() => setSearch({ range: name, tz: search.get('tz') ?? undefined })}
          >
            {label}
          </button>
        ))}
        <span className="muted">Days in {tz}</span>
      </div>
      <ErrorText error={daily.error} />
      <div className="cards">
        {accountInfo.data ? (
          <Card label="Balance" value={usd(accountInfo.data.account.balance_usd)} testId="balance" />
        ) : null}
        <Card label="Spend" value={totals ? usd(totals.cost_usd) : '…'} testId="total-spend" />
        <Card label="Requests" value={count(totals?.requests)} />
        <Card label="Error rate" value={totals ? `${(totals.error_rate * 100).toFixed(1)} %` : '…'} />
        <Card
          label="Latency p50 / p95"
          value={`${ms(totals?.latency_ms.p50)} / ${ms(totals?.latency_ms.p95)}`}
        />
        <Card label="TTFT p50 / p95" value={`${ms(totals?.ttft_ms.p50)} / ${ms(totals?.ttft_ms.p95)}`} />
        <Card
          label="Tokens in / cached / out / reasoning"
          value={
            totals
              ? `${count(totals.input_tokens)} / ${count(totals.cached_tokens)} / ${count(totals.output_tokens)} / ${count(totals.reasoning_tokens)}`
              : '…'
          }
        />
      </div>
      {daily.data ? (
        <Chart title={`Spend per day (USD, ${tz})`} labels={labels} series={spend} bars format={money} />
      ) : null}
      <Table head={['Day', 'Requests', 'Spend']} testId="daily-table">
        {daily.data?.data.map((bucket) => (
          <tr key={bucket.group}>
            <td>{bucket.group}</td>
            <td>{count(bucket.requests)}</td>
            <td data-cost={bucket.cost_usd}>{usd(bucket.cost_usd, 6)}</td>
          </tr>
        ))}
      </Table>
      {daily.data ? <Chart title="Tokens by kind per day" labels={labels} series={tokens} /> : null}
      {hourly.data ? (
        <Chart title={`Requests and errors per hour (${tz})`} labels={hourLabels} series={hourSeries} />
      ) : null}
      <h2>By model</h2>
      <BreakdownTable rows={models.data?.data ?? []} name="Model" />
      {props.role === 'admin' ? (
        <>
          <h2>Top accounts</h2>
          <BreakdownTable
            rows={[...(accounts.data?.data ?? [])].sort((a, b) => b.cost_usd - a.cost_usd).slice(0, 10)}
            name="Account"
          />
        </>
      ) : null}
    </section>
  );
}

function BreakdownTable(props: { rows: Bucket[]; name: string }) {
  const max = Math.max(0, ...props.rows.map((row) => row.cost_usd));
  return (
    <Table head={[props.name, 'Requests', 'Tokens (in/out)', 'Spend']}>
      {props.rows.map((row) => (
        <tr key={row.group}>
          <td>{row.group}</td>
          <td>{count(row.requests)}</td>
          <td>
            {count(row.input_tokens + row.cached_tokens)} / {count(row.output_tokens + row.reasoning_tokens)}
          </td>
          <td>
            <span className="bar" style={{ width: `${max ? (row.cost_usd / max) * 100 : 0}%` }} />
            {usd(row.cost_usd)}
          </td>
        </tr>
      ))}
    </Table>
  );
}
