/**
 * Plays a `StreamScript` onto a response: the chunk delay between events, backpressure, and the stream
 * faults (stall, reset, garbage, non-object and error events) at their chunk positions. Every event
 * written is counted into the attempt, so its tokens are what the client was actually sent.
 */
import type { Exchange } from './exchange.ts';
import type { Faults } from './faults.ts';
import type { Frame, StreamScript } from './protocol.ts';

const SPLIT_BYTES = 3;

function write(exchange: Exchange, text: string, split: boolean): boolean {
  const response = exchange.response;
  if (!split) return response.write(text);
  const bytes = Buffer.from(text);
  let flowing = true;
  for (let offset = 0; offset < bytes.length; offset += SPLIT_BYTES) {
    flowing = response.write(bytes.subarray(offset, offset + SPLIT_BYTES));
  }
  return flowing;
}

/** Acts out the faults due after `sent` chunks; true when the stream must stop here. */
function faultsAt(sent: number, faults: Faults, script: StreamScript, exchange: Exchange): boolean {
  if (faults.malformedAfter === sent) write(exchange, script.malformedEvent, faults.splitBytes);
  if (faults.nonObjectAfter === sent) write(exchange, script.nonObjectEvent, faults.splitBytes);
  if (faults.errorEventAfter === sent) {
    write(exchange, script.errorEvent, faults.splitBytes);
    exchange.end();
    return true;
  }
  if (faults.resetAfter === sent) {
    exchange.reset();
    return true;
  }
  // A stall keeps the connection open and silent; the client (or close()) ends it.
  return faults.stallAfter === sent;
}

function record(exchange: Exchange, frame: Frame): void {
  const attempt = exchange.attempt;
  attempt.chunksSent++;
  attempt.completionTokens += frame.completionTokens;
  attempt.reasoningTokens += frame.reasoningTokens;
  if (frame.carriesUsage) attempt.usageReported = true;
}

export async function driveStream(
  exchange: Exchange,
  script: StreamScript,
  faults: Faults,
  chunkDelayMs: number,
): Promise<void> {
  const frames = script.frames;
  for (let index = 0; index < frames.length; index++) {
    if (faultsAt(index, faults, script, exchange)) return;
    if (index > 0 && chunkDelayMs > 0) {
      await exchange.sleep(chunkDelayMs);
      if (exchange.closed) return;
    }
    const frame = frames[index] as Frame;
    const flowing = write(exchange, frame.text, faults.splitBytes);
    record(exchange, frame);
    if (!flowing) {
      await exchange.drain();
      if (exchange.closed) return;
    }
  }
  if (faultsAt(frames.length, faults, script, exchange)) return;
  exchange.end(script.terminator ?? undefined);
}
