/** The state one chat-completion request carries through the pipeline's stages. */
import type { ResolvedModel } from '../config/load-config.ts';
import type { ChatCompletionRequest } from '../openai/request.ts';
import type { Services } from '../services.ts';
import type { Account, ApiKeyRecord } from '../store/types.ts';
import type { AdmissionTicket } from '../limits/index.ts';

export interface ChatContext {
  readonly services: Services;
  readonly requestId: string;
  readonly startedAt: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The raw parsed JSON body, before validation. */
  readonly rawBody: unknown;
  body?: ChatCompletionRequest;
  key?: ApiKeyRecord;
  /** The key's account as read at admission (balance, status, account-wide limits). */
  account?: Account;
  model?: ResolvedModel;
  ticket?: AdmissionTicket;
  /** Headers every response of this request carries (rate-limit state). */
  responseHeaders: Record<string, string>;
  /** Set when the request carries a fresh Idempotency-Key this request now owns. */
  idempotency?: { scope: string; key: string };
  /** Set when an Idempotency-Key already completed: the stored answer to replay. */
  replay?: { status: number; body: string };
  /** Detaches this request's upstream abort signal from the client and the drain (set by dispatch). */
  releaseSignals?: () => void;
  /** Prompt tokens bounded from above, computed once at admission. */
  promptUpperBound?: number;
}

export type Stage = (context: ChatContext) => void | Promise<void>;
