import { Card, ErrorText, Table } from '../components.tsx';
import { dateTime } from '../format.ts';
import { useApi } from '../hooks.ts';

interface UpstreamKey {
  label: string;
  weight: number;
  state: 'active' | 'cooling' | 'disabled';
  cooling_until: string | null;
  disabled_at: string | null;
  disabled_status: number | null;
  requests: number;
  rate_limited: number;
}

/** What an operator needs to know about a key's state, in one cell. */
function keyState(key: UpstreamKey): string {
  if (key.state === 'disabled')
    return `taken out${key.disabled_status ? ` (upstream ${key.disabled_status})` : ''} at ${dateTime(key.disabled_at)}`;
  if (key.state === 'cooling') return `rate-limited until ${dateTime(key.cooling_until)}`;
  return 'active';
}

interface StatusBody {
  version: string;
  node: string;
  started_at: string;
  uptime_seconds: number;
  simulated: boolean;
  database: { dialect: string; ok: boolean; detail?: string };
  limiter: { healthy: boolean; degraded?: string };
  providers: Array<{
    name: string;
    type: string;
    base_url: string | null;
    recent_requests: number;
    recent_upstream_errors: number;
    health: string;
    keys?: UpstreamKey[];
  }>;
  config: Record<string, unknown>;
}

/** Operator: version, upstream health from recent traffic, and the config with secrets redacted. */
export function Status() {
  const status = useApi<StatusBody>('/admin/status');
  const data = status.data;
  return (
    <section>
      <h1>Status</h1>
      <ErrorText error={status.error} />
      {data ? (
        <>
          <div className="cards">
            <Card label="Version" value={data.version} testId="version" />
            <Card label="Started" value={dateTime(data.started_at)} />
            <Card
              label="Database"
              value={`${data.database.dialect}: ${data.database.ok ? 'ok' : (data.database.detail ?? 'failing')}`}
            />
            <Card
              label="Limiter"
              value={data.limiter.healthy ? 'ok' : (data.limiter.degraded ?? 'degraded')}
            />
            {data.simulated ? <Card label="Upstream" value="SIMULATED (no real provider)" /> : null}
          </div>
          <h2>Upstreams (last 15 minutes)</h2>
          <Table head={['Provider', 'Type', 'Base URL', 'Requests', 'Upstream errors', 'Health']}>
            {data.providers.map((provider) => (
              <tr key={provider.name}>
                <td>{provider.name}</td>
                <td>{provider.type}</td>
                <td>{provider.base_url}</td>
                <td>{provider.recent_requests}</td>
                <td>{provider.recent_upstream_errors}</td>
                <td>{provider.health}</td>
              </tr>
            ))}
          </Table>
          <h2>Upstream keys</h2>
          <Table head={['Provider', 'Key', 'Weight', 'State', 'Requests', 'Rate-limited']}>
            {data.providers.flatMap((provider) =>
              (provider.keys ?? []).map((key) => (
                <tr key={`${provider.name}/${key.label}`} data-testid={`key-${provider.name}-${key.label}`}>
                  <td>{provider.name}</td>
                  <td>{key.label}</td>
                  <td>{key.weight}</td>
                  <td data-state={key.state}>{keyState(key)}</td>
                  <td>{key.requests}</td>
                  <td>{key.rate_limited}</td>
                </tr>
              )),
            )}
          </Table>
          <h2>Configuration (secrets redacted)</h2>
          <pre data-testid="config">{JSON.stringify(data.config, null, 2)}</pre>
        </>
      ) : null}
    </section>
  );
}
