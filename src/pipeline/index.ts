/**
 * The pipeline, in order (DESIGN.md §3). Admission stages run for every request; then dispatch holds
 * credits per upstream attempt (billing.ts), calls the upstream (dispatch.ts) and settles each attempt.
 */
import { authenticate } from './authenticate.ts';
import type { Stage } from './context.ts';
import { rateLimit } from './rate-limit.ts';
import { authorizeModel, resolveModel } from './resolve-model.ts';
import { validateRequest } from './validate-request.ts';
import { checkIdempotency } from './idempotency.ts';

export const ADMISSION_STAGES: readonly Stage[] = Object.freeze([
  authenticate,
  validateRequest,
  resolveModel,
  authorizeModel,
  checkIdempotency,
  rateLimit,
]);
