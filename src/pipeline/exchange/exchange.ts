/**
 * The exchange: one owner of a request after admission, whatever door it came in by. Its steps run in
 * this order, each named and each run exactly once on every path (success, upstream error, client gone,
 * drain, settle failure):
 *
 *   attempts (hold → call → settle failed attempts, retry)  — attempts.ts, credits.ts
 *            (`embed`: the embedding hold and the provider's `embed`, ADR 085)
 *   deliver  (JSON answer, or stream chunks into the door's sink, counting what was delivered)
 *   usage    (the upstream's report, or the one estimator's)  — billing/estimate-usage.ts
 *   settle   (the answered attempt, once)                     — credits.ts
 *   finish   (Idempotency-Key completed or abandoned)
 *   release  (rate-limit ticket with the tokens used, abort signals, metrics) — `close()`
 *
 * The door's route only turns the results into its dialect, and always ends its writer.
 */
import { billableUsage, DeliveredTally, promptOnlyUsage } from '../../billing/estimate-usage.ts';
import { PorticoError } from '../../errors.ts';
import type { StreamEvent } from '../../providers/provider.ts';
import { emptyTokenCounts, type TokenCounts } from '../../openai/response.ts';
import type { EmbeddingRequest } from '../embedding.ts';
import type { RequestContext } from '../context.ts';
import {
  asAttemptFailure,
  completeAttempts,
  embedAttempts,
  errorCodeOf,
  openStreamAttempts,
  terminalStateOf,
} from './attempts.ts';
import { SettleDeferredError, settleCredits, type AttemptRecord } from './credits.ts';
import { ClientGoneError, RequestSignals } from './signals.ts';
import type {
  CanonicalRequest,
  Completed,
  Embedded,
  EmbeddingEncoder,
  JsonEncoder,
  Served,
  StreamSink,
} from './types.ts';

function servedBy(context: RequestContext, record: AttemptRecord): Served {
  const { target } = record;
  return {
    model: target.model,
    deployment: target.label,
    isFallback: target.isFallback,
    responseModel: target.isFallback ? target.model.name : (context.body?.model ?? target.model.name),
  };
}

export class Exchange {
  readonly #context: RequestContext;
  readonly #signals: RequestSignals;
  /** Tokens the request really used, for the rate-limit ticket's correction. */
  #usedTokens = 0;
  #idempotencyDone = false;
  #closed = false;

  constructor(context: RequestContext, clientSignal: AbortSignal) {
    this.#context = context;
    this.#signals = new RequestSignals(clientSignal, context.services.routing.drain);
  }

  /** Aborted when the client leaves or the drain cut ends the request (the writer listens to it). */
  get signal(): AbortSignal {
    return this.#signals.upstream;
  }

  /**
   * A JSON answer: attempts until one answers, then usage, settle, and the encoded body stored for
   * Idempotency-Key replays. Throws a `PorticoError` (the client's error), `ClientGoneError` when the
   * client left, or `SettleDeferredError` when the charge could not be written.
   */
  async complete(encode: JsonEncoder): Promise<{ completed: Completed; body: string }> {
    const context = this.#context;
    const body = context.body;
    if (!body) throw new Error('exchange before admission');
    const { result, record } = await completeAttempts(context, this.#signals);
    const tally = new DeliveredTally();
    tally.addChoices(result.choices);
    const usage = billableUsage(result.usageEstimated ? undefined : result.counts, body, tally);
    this.#usedTokens = usage.counts.total;
    if (this.#signals.client.aborted) {
      // The answer arrived as the client left: it was generated (and billed upstream) all the same.
      await this.#settleAnswered(
        record,
        usage.counts,
        usage.estimated,
        'client_disconnected',
        499,
        null,
        false,
      );
      throw new ClientGoneError();
    }
    const costMicros = await this.#settleAnswered(
      record,
      usage.counts,
      usage.estimated,
      'ok',
      200,
      null,
      false,
    );
    const completed: Completed = {
      served: servedBy(context, record),
      choices: result.choices,
      counts: usage.counts,
      usageEstimated: usage.estimated,
      costMicros,
      native: result.native,
    };
    const text = encode(completed);
    await this.#completeIdempotency(200, text);
    return { completed, body: text };
  }

  /**
   * An embedding answer (ADR 085): attempts until one answers, then usage (the upstream's input tokens,
   * else the estimate, flagged), settle, and the encoded body stored for Idempotency-Key replays.
   * Throws as `complete` does.
   */
  async embed(encode: EmbeddingEncoder): Promise<{ embedded: Embedded; body: string }> {
    const context = this.#context;
    const body = context.body;
    if (!body || !context.embedding) throw new Error('embedding exchange before admission');
    const { result, record } = await embedAttempts(context, this.#signals);
    const { counts, estimated } = embeddingUsage(result.promptTokens, context.embedding, body);
    this.#usedTokens = counts.total;
    const aborted = this.#signals.client.aborted;
    const costMicros = await this.#settleAnswered(
      record,
      counts,
      estimated,
      aborted ? 'client_disconnected' : 'ok',
      aborted ? 499 : 200,
      null,
      false,
    );
    // The vectors arrived as the client left: the upstream billed them all the same.
    if (aborted) throw new ClientGoneError();
    const embedded: Embedded = {
      served: servedBy(context, record),
      vectors: result.vectors,
      counts,
      usageEstimated: estimated,
      costMicros,
    };
    const text = encode(embedded);
    await this.#completeIdempotency(200, text);
    return { embedded, body: text };
  }

  /**
   * A streamed answer into `sink`. Throws (before `sink.start`) the client's error when no attempt
   * answered; after `start`, every outcome is written to the sink and nothing is thrown.
   */
  async stream(sink: StreamSink): Promise<void> {
    const context = this.#context;
    const body = context.body;
    if (!body) throw new Error('exchange before admission');
    const signals = this.#signals;
    const opened = await openStreamAttempts(context, signals);
    const { record } = opened;
    sink.start(servedBy(context, record));
    const tally = new DeliveredTally();
    let reported: TokenCounts | undefined;
    const deliver = async (event: StreamEvent): Promise<void> => {
      if (event.type === 'usage') {
        reported = event.counts;
        return;
      }
      tally.addChunk(event.choices, Date.now());
      await sink.choices(event.choices, event.native);
    };
    let failure;
    try {
      for (const event of opened.buffered) await deliver(event);
      if (!opened.done) {
        while (true) {
          if (sink.gone || signals.upstream.aborted) throw new ClientGoneError();
          const next = await opened.iterator.next();
          if (next.done) break;
          await deliver(next.value);
        }
      }
      if (sink.gone || signals.upstream.aborted) throw new ClientGoneError();
    } catch (error) {
      failure = asAttemptFailure(error, signals);
      if (sink.gone && !signals.cut) failure = asAttemptFailure(new ClientGoneError(), signals);
      void opened.iterator.return?.();
    }
    const usage = billableUsage(reported, body, tally);
    this.#usedTokens = usage.counts.total;
    const ttftMs = tally.firstAt === null ? null : tally.firstAt - context.startedAt;
    try {
      if (failure) {
        const state = terminalStateOf(failure);
        await this.#settleAnswered(
          record,
          usage.counts,
          usage.estimated,
          state,
          state === 'client_disconnected' ? 499 : failure.clientError.status,
          ttftMs,
          true,
          state === 'client_disconnected' ? 'client_disconnected' : errorCodeOf(failure),
        );
        if (state !== 'client_disconnected') {
          context.services.logger.warn(
            { requestId: context.requestId, detail: failure.message },
            'stream failed after start',
          );
          await sink.fail(failure.clientError);
        }
        return;
      }
      const costMicros = await this.#settleAnswered(
        record,
        usage.counts,
        usage.estimated,
        'ok',
        200,
        ttftMs,
        true,
      );
      await sink.finish({ counts: usage.counts, usageEstimated: usage.estimated, costMicros });
      const transcript = sink.transcript();
      if (transcript !== undefined) await this.#completeIdempotency(200, transcript);
    } catch (error) {
      // The charge could not be written (it waits in the settle journal), or the store failed while
      // completing the Idempotency-Key: the client gets an error event, never a clean end.
      const clientError =
        error instanceof SettleDeferredError ? error.clientError : new PorticoError('internal');
      if (!(error instanceof SettleDeferredError))
        context.services.logger.error(
          { err: error, requestId: context.requestId },
          'stream completion failed',
        );
      if (!sink.gone) await sink.fail(clientError);
    }
  }

  async #settleAnswered(
    record: AttemptRecord,
    counts: TokenCounts,
    usageEstimated: boolean,
    terminalState: 'ok' | 'client_disconnected' | 'timeout' | 'upstream_error',
    status: number,
    ttftMs: number | null,
    stream: boolean,
    errorCode: string | null = null,
  ): Promise<number> {
    return settleCredits(this.#context, record, {
      counts,
      usageEstimated,
      terminalState,
      status,
      ttftMs,
      stream,
      errorCode,
    });
  }

  async #completeIdempotency(status: number, body: string): Promise<void> {
    const idempotency = this.#context.idempotency;
    if (!idempotency) return;
    await this.#context.services.store.completeIdempotent({ ...idempotency, status, body });
    this.#idempotencyDone = true;
  }

  /**
   * The last step, on every path: an unfinished Idempotency-Key is abandoned (a retry may run again),
   * the rate-limit ticket is corrected to the tokens used, the abort signals are released, and the
   * request is counted. Never throws.
   */
  async close(status: number): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const context = this.#context;
    const { services } = context;
    if (context.idempotency && !this.#idempotencyDone) {
      await services.store.abandonIdempotent(context.idempotency).catch(() => undefined);
    }
    this.#signals.release();
    await context.ticket?.release(this.#usedTokens);
    recordRequestMetrics(context, status);
  }
}

/**
 * An embedding's billable input: the upstream's report, unless it is absent, or zero for inputs that
 * have text (RELIABILITY API10: absent usage is never trusted); then the one estimator's, flagged.
 */
function embeddingUsage(
  reported: number | undefined,
  request: EmbeddingRequest,
  body: CanonicalRequest,
): { counts: TokenCounts; estimated: boolean } {
  const hasText = request.inputs.some((input) => input.parts.some((part) => part.trim() !== ''));
  const usable = reported !== undefined && (reported > 0 || !hasText);
  const counts = usable ? emptyTokenCounts() : promptOnlyUsage(body);
  if (usable) counts.prompt = counts.promptText = counts.total = reported;
  return { counts, estimated: !usable };
}

/** The request counters, for every request an exchange closes (admitted or not). */
function recordRequestMetrics(context: RequestContext, status: number): void {
  const { metrics } = context.services;
  const model = context.model?.name ?? 'unknown';
  const door = context.door.name;
  metrics.requests.inc({ door, model, status: String(status) });
  metrics.latency.observe(
    { door, model, stream: String(context.body?.stream === true) },
    (Date.now() - context.startedAt) / 1000,
  );
}
