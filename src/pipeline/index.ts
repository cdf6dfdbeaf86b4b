/**
 * A request's life, in order (docs/life-of-a-request.md). A door (src/doors/<dialect>/route.ts) receives
 * it and `doors/serve.ts` runs the admission stages below; then the exchange owns it to the ledger:
 *
 *   admission (this array, one file each):
 *     authenticate.ts      key from the dialect's header, hashed, cached lookup (401)
 *     decode-request.ts    the door decodes its dialect into the canonical request (400 naming the field)
 *     resolve-model.ts     resolveModel (404 + suggestion), authorizeModel (403)
 *     embedding.ts         checkModelKind: embeddings on embedding models only, chat on the others (400)
 *     upstream-refs.ts     cached contents and files only of this account (403); their tokens held
 *     idempotency.ts       Idempotency-Key: replay, 409, 422
 *     rate-limit.ts        RPM / TPM / concurrency per key and account (429 + Retry-After); prompt bound
 *   exchange (exchange/):
 *     exchange.ts          the owner: attempts → deliver → usage → settle → finish → release
 *     attempts.ts          routing, one attempt per target, retries and fallbacks
 *     credits.ts           hold before each attempt, settle each attempt once (journal when the DB is down)
 *     signals.ts           client abort and drain cut, released at the end
 *   billing/estimate-usage.ts   the one usage estimator, when the upstream reported none
 */
import { authenticate } from './authenticate.ts';
import type { Stage } from './context.ts';
import { decodeRequest } from './decode-request.ts';
import { rateLimit } from './rate-limit.ts';
import { authorizeModel, resolveModel } from './resolve-model.ts';
import { checkIdempotency } from './idempotency.ts';
import { checkUpstreamRefs } from './upstream-refs.ts';
import { checkModelKind } from './embedding.ts';

export const ADMISSION_STAGES: readonly Stage[] = Object.freeze([
  authenticate,
  decodeRequest,
  resolveModel,
  authorizeModel,
  checkModelKind,
  checkUpstreamRefs,
  checkIdempotency,
  rateLimit,
]);
