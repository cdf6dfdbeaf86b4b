/**
 * Customer playground: a streamed chat through the real gateway with the signed-in key, so it is billed
 * and logged like any call. After the stream, the call's log row shows its tokens and exact cost.
 */
import { useRef, useState, type FormEvent } from 'react';
import { api, streamPost, type SessionInfo } from '../api.ts';
import { ErrorText } from '../components.tsx';
import { ms, usd } from '../format.ts';
import { useApi } from '../hooks.ts';

interface LogRow {
  request_id: string;
  state: string;
  prompt_tokens: number;
  cached_tokens: number;
  completion_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  latency_ms: number | null;
  ttft_ms: number | null;
  status: number | null;
}

async function settledRow(requestId: string): Promise<LogRow | undefined> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const page = await api.get<{ data: LogRow[] }>('/account/logs?limit=20');
    const row = page.data.find((entry) => entry.request_id === requestId && entry.state === 'settled');
    if (row) return row;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return undefined;
}

export function Playground(_props: { session: SessionInfo }) {
  const models = useApi<{ data: Array<{ id: string }> }>('/account/models');
  const [model, setModel] = useState('');
  const [prompt, setPrompt] = useState('');
  const [answer, setAnswer] = useState('');
  const [error, setError] = useState<string>();
  const [row, setRow] = useState<LogRow>();
  const [busy, setBusy] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const chosen = model || models.data?.data[0]?.id || '';

  const send = async (event: FormEvent) => {
    event.preventDefault();
    setAnswer('');
    setRow(undefined);
    setError(undefined);
    setBusy(true);
    abort.current = new AbortController();
    try {
      const response = await streamPost(
        '/account/playground/chat',
        { model: chosen, messages: [{ role: 'user', content: prompt }], max_tokens: 512 },
        abort.current.signal,
      );
      if (!response.ok || !response.body) {
        const body = (await response.json().catch(() => undefined)) as
          { error?: { message?: string } } | undefined;
        throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
      }
      const requestId = response.headers.get('x-portico-request-id');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        const events = buffer.split('\n\n');
        buffer = events.pop() ?? '';
        for (const chunk of events) {
          const data = chunk
            .split('\n')
            .find((line) => line.startsWith('data:'))
            ?.slice(5)
            .trim();
          if (!data || data === '[DONE]') continue;
          const parsed = JSON.parse(data) as {
            choices?: Array<{ delta?: { content?: string } }>;
            error?: { message?: string };
          };
          if (parsed.error) throw new Error(parsed.error.message ?? 'stream error');
          const text = parsed.choices?.[0]?.delta?.content;
          if (text) setAnswer((previous) => previous + text);
        }
      }
      if (requestId) setRow(await settledRow(requestId));
    } catch (caught) {
      if ((caught as Error).name !== 'AbortError') setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>Playground</h1>
      <p className="muted">Calls here are billed to your account and logged like any API call.</p>
      <form className="playground" onSubmit={(event) => void send(event)}>
        <label>
          Model
          <select name="model" value={chosen} onChange={(event) => setModel(event.target.value)}>
            {models.data?.data.map((entry) => (
              <option key={entry.id}>{entry.id}</option>
            ))}
          </select>
        </label>
        <label>
          Message
          <textarea
            name="prompt"
            rows={4}
            value={prompt}
            onChange={(event) => setPrompt(event.target.value)}
            required
          />
        </label>
        <div className="row">
          <button type="submit" className="primary" disabled={busy || !chosen}>
            Send
          </button>
          <button type="button" disabled={!busy} onClick={() => abort.current?.abort()}>
            Stop
          </button>
        </div>
      </form>
      <ErrorText error={error} />
      <div className="answer" data-testid="answer" aria-live="polite">
        {answer}
      </div>
      {row ? (
        <p data-testid="call-cost" data-cost={row.cost_usd} data-request-id={row.request_id}>
          {row.prompt_tokens - row.cached_tokens} input, {row.cached_tokens} cached,{' '}
          {row.completion_tokens - row.reasoning_tokens} output, {row.reasoning_tokens} reasoning tokens ·
          cost {usd(row.cost_usd, 6)} · latency {ms(row.latency_ms)} · TTFT {ms(row.ttft_ms)} · status{' '}
          {row.status}
        </p>
      ) : null}
    </section>
  );
}
