/**
 * The state one request carries through admission. Admission stages fill it in order (pipeline/index.ts);
 * the exchange (pipeline/exchange/) reads it and owns everything after. Data only: no callbacks live
 * here, so what happens to a request is always in the named stage or step that does it.
 */
import type { ResolvedModel } from '../config/load-config.ts';
import type { CanonicalRequest } from './exchange/types.ts';
import type { Services } from '../services.ts';
import type { Account, ApiKeyRecord } from '../store/types.ts';
import type { AdmissionTicket } from '../limits/index.ts';
import type { Door } from './door.ts';
import type { NativeRequest } from '../providers/provider.ts';
import type { EmbeddingRequest } from './embedding.ts';

export interface RequestContext {
  readonly services: Services;
  /** The inbound dialect that decodes this request and encodes its answer. */
  readonly door: Door;
  readonly requestId: string;
  readonly startedAt: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The raw parsed JSON body, before the door decoded it. */
  readonly rawBody: unknown;
  /** The model the door read from the URL (Gemini-native), when the dialect names it there. */
  readonly pathModel?: string;
  body?: CanonicalRequest;
  /** An embedding door's request (ADR 085); `body` is then derived from it (its model and inputs). */
  embedding?: EmbeddingRequest;
  /** The client's own body, for native passthrough when the chosen upstream speaks the door's dialect. */
  native?: NativeRequest;
  key?: ApiKeyRecord;
  /** The key's account as read at admission (balance, status, account-wide limits). */
  account?: Account;
  model?: ResolvedModel;
  /** The rate-limit admission; the exchange's last step releases it with the tokens really used. */
  ticket?: AdmissionTicket;
  /** Headers every response of this request carries (rate-limit state). */
  responseHeaders: Record<string, string>;
  /** Set when the request carries a fresh Idempotency-Key this request now owns. */
  idempotency?: { scope: string; key: string };
  /** Set when an Idempotency-Key already completed: the stored answer to replay. */
  replay?: { status: number; body: string };
  /** Prompt tokens bounded from above, computed once at admission (upstream references included). */
  promptUpperBound?: number;
  /** Prompt tokens that named upstream resources add (a cached content), granted at admission. */
  refTokens?: number;
}

export type Stage = (context: RequestContext) => void | Promise<void>;
