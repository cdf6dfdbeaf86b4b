/**
 * Memory per open stream: a fresh gateway is warmed up, its idle RSS read, then N streams are opened
 * against an upstream that keeps them open (one chunk a second) and held until every one has delivered
 * its first token; (RSS with N open - idle RSS) / N is the cost of one open stream.
 */
import { setMaxListeners } from 'node:events';
import type { Pool } from 'undici';
import type { BenchOptions } from '../lib/options.ts';
import { createClient } from '../lib/open-loop.ts';
import { rssBytes } from '../lib/proc.ts';
import { sleep } from '../lib/processes.ts';
import type { RequestSpec } from '../lib/request-spec.ts';
import type { TargetResult } from '../lib/results.ts';
import type { RegisteredTarget } from '../targets/registry.ts';
import type { RunningTarget } from '../targets/target.ts';
import { startOne } from './fleet.ts';
import { saturateMember } from './throughput.ts';
import { TOKEN_MARKER } from './streaming.ts';

// Enough tokens that the upstream's stream outlasts the measurement at one chunk a second.
const HELD_STREAM_TOKENS = 2_000;
const OPEN_BATCH = 250;
const OPEN_BATCH_PAUSE_MS = 50;
const OPEN_TIMEOUT_MS = 30_000;
const STALL_MS = 5_000;
const CLOSE_TIMEOUT_MS = 10_000;
// Portkey opens thousands of streams too slowly to measure in reasonable time; its figure at 1,000 and
// 5,000 streams is in the README from an earlier run.
const SKIPPED = ['portkey'];
const REPEATED = ['node-floor', 'portico'];

/** Opens one stream; resolves `opened` at its first token and keeps reading until aborted. */
function holdStream(client: Pool, spec: RequestSpec, signal: AbortSignal, opened: () => void): Promise<void> {
  const url = new URL(spec.url);
  return client
    .request({
      path: url.pathname + url.search,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...spec.headers },
      body: spec.body,
      signal,
    })
    .then(async (response) => {
      let seen = false;
      let tail = '';
      for await (const chunk of response.body) {
        if (seen) continue;
        tail = (tail + (chunk as Buffer).toString('latin1')).slice(-400);
        if (TOKEN_MARKER.test(tail)) {
          seen = true;
          opened();
        }
      }
    })
    .catch(() => undefined);
}

async function measureOpenStreams(
  running: RunningTarget,
  pid: number,
  count: number,
): Promise<{ perStream: number; opened: number; idle: number }> {
  const spec = running.request(true, HELD_STREAM_TOKENS);
  const client = createClient(spec);
  const abort = new AbortController();
  // One signal ends every held stream; each request adds a listener to it.
  setMaxListeners(0, abort.signal);
  const idle = rssBytes(pid);
  let opened = 0;
  const streams: Promise<void>[] = [];
  for (let index = 0; index < count; index += 1) {
    streams.push(holdStream(client, spec, abort.signal, () => (opened += 1)));
    if ((index + 1) % OPEN_BATCH === 0) await sleep(OPEN_BATCH_PAUSE_MS);
  }
  // Wait until every stream is open, or progress stalls (a gateway that queues streams beyond some
  // limit never opens the rest), or the overall timeout passes.
  const deadline = Date.now() + OPEN_TIMEOUT_MS;
  let lastProgress = Date.now();
  let lastOpened = 0;
  while (opened < count && Date.now() < deadline && Date.now() - lastProgress < STALL_MS) {
    await sleep(100);
    if (opened !== lastOpened) {
      lastOpened = opened;
      lastProgress = Date.now();
    }
  }
  await sleep(1_000);
  const loaded = rssBytes(pid);
  abort.abort();
  // Bounded: a stream the gateway never ends must not hold the run; destroying the client ends it.
  await Promise.race([Promise.all(streams), sleep(CLOSE_TIMEOUT_MS)]);
  await client.destroy();
  return { perStream: opened > 0 ? (loaded - idle) / opened : Number.NaN, opened, idle };
}

export async function runMemory(
  targets: readonly RegisteredTarget[],
  results: ReadonlyMap<string, TargetResult>,
  upstreamOrigin: string,
  options: BenchOptions,
  temporaryRoot: string,
): Promise<void> {
  process.stdout.write(
    `\n# memory: RSS per open stream at ${options.openStreamCounts.join(' and ')} concurrent streams\n`,
  );
  for (const target of targets) {
    const result = results.get(target.key);
    if (result === undefined || target.definition.isDirect) continue;
    if (SKIPPED.includes(target.key)) continue;
    // The floor and Portico are measured every repetition (the targets take their medians); the other
    // baselines once, for reference.
    const repetitions = REPEATED.some((key) => target.key.startsWith(key)) ? options.repetitions : 1;
    for (let repetition = 0; repetition < repetitions; repetition += 1) {
      for (const count of options.openStreamCounts) {
        const running = await startOne(target, result, upstreamOrigin, temporaryRoot);
        if (running?.pid === undefined) continue;
        try {
          // Warm up the request and stream paths so the JIT and pools are in their steady state first.
          await saturateMember({ target, running, result }, 1, options, temporaryRoot);
          await measureOpenStreams(running, running.pid, 100);
          await sleep(1_000);
          const measured = await measureOpenStreams(running, running.pid, count);
          result.rssPerStream.set(count, [...(result.rssPerStream.get(count) ?? []), measured.perStream]);
          result.warmIdleRss.push(measured.idle);
          if (measured.opened < count) {
            result.notes.push(
              `only ${measured.opened} of ${count} streams were open at once (the rest waited)`,
            );
          }
          process.stdout.write(
            `  ${target.definition.name}: ${count} streams (${measured.opened} open): ${(measured.perStream / 1024).toFixed(1)} KB/stream, idle RSS after warm-up ${(measured.idle / 2 ** 20).toFixed(1)} MB\n`,
          );
        } finally {
          await running.stop();
        }
      }
    }
  }
}
