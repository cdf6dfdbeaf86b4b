import { ErrorText, Table } from '../components.tsx';
import { useApi } from '../hooks.ts';

interface Model {
  id: string;
  simulated: boolean;
  deployments?: Array<{ provider: string; model: string }>;
  pricing: { input: number; cached_input: number; output: number };
  max_output_tokens: number;
}

/** Models and prices (USD per 1M tokens); customers see only what their key may use. */
export function Models(props: { role: 'admin' | 'account' }) {
  const admin = props.role === 'admin';
  const models = useApi<{ data: Model[] }>(admin ? '/admin/models' : '/account/models');
  const price = (value: number) => `$${value.toFixed(2)} USD`;
  return (
    <section>
      <h1>Models and prices</h1>
      {admin ? null : (
        <p>
          Base URL: <code>{location.origin}/v1</code>
        </p>
      )}
      <ErrorText error={models.error} />
      <Table
        head={[
          'Model',
          ...(admin ? ['Upstream'] : []),
          'Input / 1M',
          'Cached input / 1M',
          'Output / 1M',
          'Max output',
          '',
        ]}
        testId="models-table"
      >
        {models.data?.data.map((model) => (
          <tr key={model.id}>
            <td>
              <code>{model.id}</code> {model.simulated ? <span className="tag">simulated</span> : null}
            </td>
            {admin ? (
              <td>{model.deployments?.map((entry) => `${entry.provider}:${entry.model}`).join(', ')}</td>
            ) : null}
            <td>{price(model.pricing.input)}</td>
            <td>{price(model.pricing.cached_input)}</td>
            <td>{price(model.pricing.output)}</td>
            <td>{model.max_output_tokens.toLocaleString('en-US')}</td>
            <td>
              <button
                type="button"
                onClick={() => void navigator.clipboard?.writeText(model.id).catch(() => undefined)}
              >
                Copy id
              </button>
            </td>
          </tr>
        ))}
      </Table>
    </section>
  );
}
