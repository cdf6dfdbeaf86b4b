/**
 * Writing whole answers: JSON bodies with their length, errors in the protocol's shape (with
 * `Retry-After` when asked), and the non-stream body faults (reset, padding).
 */
import { anthropicErrorBody } from './anthropic-protocol.ts';
import type { Exchange } from './exchange.ts';
import type { GenerationPlan } from './generation-plan.ts';
import { geminiErrorBody } from './gemini-errors.ts';
import { openAIErrorBody } from './openai-errors.ts';
import type { UsageMode } from './protocol.ts';
import type { RequestSettings } from './request-settings.ts';
import type { ApiRoute } from './routes.ts';

export function sendJson(exchange: Exchange, status: number, body: string, retryAfter?: number | null): void {
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  };
  if (retryAfter !== undefined && retryAfter !== null) headers['retry-after'] = String(Math.ceil(retryAfter));
  exchange.attempt.status = status;
  exchange.response.writeHead(status, headers);
  exchange.end(body);
}

export interface ErrorReply {
  readonly status: number;
  readonly message?: string;
  readonly param?: string | null;
  readonly reason?: string | null;
  readonly retryAfterSeconds?: number | null;
}

export function sendError(exchange: Exchange, target: ApiRoute, reply: ErrorReply): void {
  const body =
    target.protocol === 'openai'
      ? openAIErrorBody(reply.status, reply.message, reply.param ?? null)
      : target.protocol === 'anthropic'
        ? anthropicErrorBody(reply.status, reply.message)
        : geminiErrorBody(reply.status, {
            model: target.model,
            message: reply.message,
            reason: reply.reason,
            retryAfterSeconds: reply.retryAfterSeconds,
          });
  sendJson(exchange, reply.status, body, reply.retryAfterSeconds);
}

export function usageMode(settings: RequestSettings): UsageMode {
  if (settings.faults.noUsage) return 'none';
  return settings.faults.zeroUsage ? 'zero' : 'full';
}

/** Non-stream answer, with the body faults: reset (before or inside the body) and padding. */
export function sendAnswer(
  exchange: Exchange,
  body: string,
  settings: RequestSettings,
  plan: GenerationPlan,
): void {
  const attempt = exchange.attempt;
  const faults = settings.faults;
  attempt.completionTokens = plan.completionTokens;
  attempt.reasoningTokens = plan.reasoningTokens;
  let text = body;
  if (faults.hugeBodyBytes > 0)
    text = `${body.slice(0, -1)},"simulator_padding":"${'x'.repeat(faults.hugeBodyBytes)}"}`;
  if (faults.resetAfter === null) {
    attempt.usageReported = usageMode(settings) !== 'none';
    sendJson(exchange, 200, text);
    return;
  }
  // The upstream generated (and bills) the answer; the client never gets it whole.
  if (faults.resetAfter > 0) {
    attempt.status = 200;
    const bytes = Buffer.from(text);
    exchange.response.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': bytes.length,
    });
    exchange.response.write(bytes.subarray(0, Math.min(faults.resetAfter, bytes.length - 1)));
  }
  exchange.reset();
}
