/**
 * A constant-rate (open-loop) client in this process, built on undici: requests leave on a fixed
 * schedule whether or not earlier ones have finished. It records per request the time to the first
 * body byte and to the end of the body. Used for streams (time to first token) and as the fallback
 * latency generator when h2load is not installed.
 */
import { Pool } from 'undici';
import type { RequestSpec } from './request-spec.ts';
import { sleep } from './processes.ts';

export interface TimedResponse {
  readonly ok: boolean;
  /** Milliseconds from sending to the first body chunk (or to the first chunk holding the token marker). */
  readonly firstByteMs: number;
  /** Milliseconds from sending to the end of the body. */
  readonly totalMs: number;
}

export interface OpenLoopResult {
  readonly samples: readonly TimedResponse[];
  readonly failures: number;
  readonly firstFailure: string | undefined;
}

export function createClient(spec: RequestSpec): Pool {
  return new Pool(new URL(spec.url).origin, { pipelining: 1, keepAliveTimeout: 60_000, connections: null });
}

export interface Markers {
  /** Must appear in the end of the body for the request to count as a success. */
  readonly ok?: string;
  /** When given, "first byte" is when the body first matches it (the first generated token). */
  readonly token?: RegExp;
}

/** Sends one request and times it. */
export async function timedRequest(
  client: Pool,
  spec: RequestSpec,
  markers: Markers = {},
  signal?: AbortSignal,
): Promise<TimedResponse> {
  const url = new URL(spec.url);
  const started = performance.now();
  const response = await client.request({
    path: url.pathname + url.search,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...spec.headers },
    body: spec.body,
    signal,
  });
  let firstByteMs = Number.NaN;
  let tail = '';
  for await (const chunk of response.body) {
    tail = (tail + (chunk as Buffer).toString('latin1')).slice(-400);
    if (Number.isNaN(firstByteMs) && (markers.token === undefined || markers.token.test(tail))) {
      firstByteMs = performance.now() - started;
    }
  }
  const totalMs = performance.now() - started;
  const ok = response.statusCode === 200 && (markers.ok === undefined || tail.includes(markers.ok));
  return { ok, firstByteMs, totalMs };
}

/** Sends `rate` requests per second for `seconds`, then waits for the stragglers. */
export async function openLoop(
  spec: RequestSpec,
  rate: number,
  seconds: number,
  markers: Markers = {},
): Promise<OpenLoopResult> {
  const client = createClient(spec);
  const total = Math.round(rate * seconds);
  const intervalMs = 1_000 / rate;
  const pending: Promise<void>[] = [];
  const samples: TimedResponse[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  const record = (promise: Promise<TimedResponse>): Promise<void> =>
    promise.then(
      (sample) => {
        if (sample.ok) samples.push(sample);
        else {
          failures += 1;
          firstFailure ??= 'unexpected status or body';
        }
      },
      (error: unknown) => {
        failures += 1;
        firstFailure ??= (error as Error).message;
      },
    );
  const start = performance.now();
  for (let index = 0; index < total; index += 1) {
    const due = start + index * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    pending.push(record(timedRequest(client, spec, markers)));
  }
  await Promise.all(pending);
  await client.close();
  return { samples, failures, firstFailure };
}
