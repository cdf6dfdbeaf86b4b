/**
 * Stage 5: rate limits, per key and per account (RPM, TPM estimated at admission and corrected at
 * settle, concurrency); a request is admitted only if every limited subject admits it. Refusals are 429 with Retry-After; the x-ratelimit-* headers go on every response
 * of a limited key.
 */
import { PorticoError } from '../errors.ts';
import { estimatePromptTokensUpperBound } from '../billing/index.ts';
import type { RequestContext } from './context.ts';
import type { LimitSpec } from '../limits/index.ts';
import { embeddingPromptBound } from './embedding.ts';

/** What a request is assumed to produce at admission when it sets no cap; corrected at settle. */
const DEFAULT_OUTPUT_ESTIMATE = 1024;

export async function rateLimit(context: RequestContext): Promise<void> {
  const { key, body, model } = context;
  if (!key || !body || !model || context.replay) return;
  // An embedding's bound is its inputs' UTF-8 bytes, and it generates nothing (ADR 085).
  const embedding = context.embedding;
  const promptBound = embedding ? embeddingPromptBound(embedding) : estimatePromptTokensUpperBound(body);
  const promptUpperBound = promptBound + (context.refTokens ?? 0);
  context.promptUpperBound = promptUpperBound;
  // Status and account-wide limits from the cache (no database read on the hot path).
  const account = await context.services.accountCache.lookup(key.accountId);
  context.account = account;
  const subjects: Array<{ id: string; spec: LimitSpec }> = [];
  if (key.rpm !== null || key.tpm !== null || key.maxConcurrency !== null) {
    subjects.push({
      id: `key:${key.id}`,
      spec: { rpm: key.rpm, tpm: key.tpm, maxConcurrency: key.maxConcurrency },
    });
  }
  const shared = account?.limits;
  if (shared && (shared.rpm !== null || shared.tpm !== null || shared.maxConcurrency !== null)) {
    subjects.push({ id: `account:${key.accountId}`, spec: shared });
  }
  if (subjects.length === 0) return;
  const requested = body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_OUTPUT_ESTIMATE;
  const estimate = promptUpperBound + (embedding ? 0 : Math.min(requested, model.maxOutputTokens));
  const { decision, ticket } = await context.services.limiter.admit(subjects, estimate);
  Object.assign(context.responseHeaders, decision.headers);
  if (!decision.allowed) {
    const retryAfter = Math.max(1, decision.retryAfterSeconds ?? 1);
    throw new PorticoError('rate_limited', {
      message:
        decision.reason === 'concurrency'
          ? 'Too many concurrent requests for this key'
          : `Rate limit exceeded (${decision.reason ?? 'requests'} per minute)`,
      retryAfterSeconds: retryAfter,
      headers: { 'retry-after': String(retryAfter) },
    });
  }
  context.ticket = ticket;
}
