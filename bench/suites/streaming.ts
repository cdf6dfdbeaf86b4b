/**
 * Streams at a constant rate: time to the first generated token (the first chunk holding the upstream's
 * text) and total stream time, each compared with the direct stream of the same format in the same
 * repetition.
 */
import type { BenchOptions } from '../lib/options.ts';
import { openLoop } from '../lib/open-loop.ts';
import { percentile, sortedCopy } from '../lib/stats.ts';
import { addFailures } from '../lib/results.ts';
import type { FleetMember } from './fleet.ts';

// The first generated token: a non-empty `content` (OpenAI chunks, and what gateways translate to) or
// `text` (Gemini chunks). A role-only first chunk has an empty content and does not count.
export const TOKEN_MARKER = /"(?:content|text)":\s*"[^"]/;

interface StreamPercentiles {
  readonly ttftP50: number;
  readonly ttftP99: number;
  readonly totalP50: number;
}

export async function runStreaming(members: readonly FleetMember[], options: BenchOptions): Promise<void> {
  process.stdout.write(
    `\n# streaming: ${options.streamRate} streams/s for ${options.streamSeconds} s x ${options.repetitions}, ` +
      `${options.streamChunks} chunks ${options.streamChunkDelayMs} ms apart\n`,
  );
  for (let repetition = 0; repetition < options.repetitions; repetition += 1) {
    const direct = new Map<string, StreamPercentiles>();
    for (const member of members) {
      const run = await openLoop(member.running.request(true), options.streamRate, options.streamSeconds, {
        ok: member.running.streamEndMarker,
        token: TOKEN_MARKER,
      });
      const { result } = member;
      addFailures(result, `streaming: ${run.firstFailure ?? 'failed'}`, run.failures);
      const ttft = sortedCopy(run.samples.map((sample) => sample.firstByteMs));
      const totals = sortedCopy(run.samples.map((sample) => sample.totalMs));
      const measured = {
        ttftP50: percentile(ttft, 0.5),
        ttftP99: percentile(ttft, 0.99),
        totalP50: percentile(totals, 0.5),
      };
      result.ttftP50.push(measured.ttftP50);
      result.ttftP99.push(measured.ttftP99);
      const format = member.target.definition.format;
      let added = '';
      if (member.target.definition.isDirect) {
        direct.set(format, measured);
      } else {
        const baseline = direct.get(format);
        if (baseline !== undefined) {
          result.addedTtftP50.push(measured.ttftP50 - baseline.ttftP50);
          result.addedTtftP99.push(measured.ttftP99 - baseline.ttftP99);
          result.addedStreamTotalP50.push(measured.totalP50 - baseline.totalP50);
          added = `, added TTFT p50 ${(measured.ttftP50 - baseline.ttftP50).toFixed(3)} ms, p99 ${(measured.ttftP99 - baseline.ttftP99).toFixed(3)} ms`;
        }
      }
      const failed = run.failures > 0 ? `, ${run.failures} failed (${run.firstFailure ?? ''})` : '';
      process.stdout.write(
        `  ${member.target.definition.name}: TTFT p50 ${measured.ttftP50.toFixed(3)} ms, p99 ${measured.ttftP99.toFixed(3)} ms, ` +
          `total p50 ${measured.totalP50.toFixed(2)} ms${added}${failed}\n`,
      );
    }
  }
}
