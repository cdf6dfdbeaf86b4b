/**
 * `Idempotency-Key` on chat completions: the same key and body replays the first result and bills once;
 * a concurrent duplicate gets 409; the same key with another body gets 422. Keys are scoped to the API
 * key that sent them and expire after 24 hours (the store enforces the expiry).
 */
import { createHash } from 'node:crypto';
import { PorticoError } from '../errors.ts';
import type { RequestContext } from './context.ts';

const VALID_KEY = /^[\x21-\x7e]{1,255}$/;

export async function checkIdempotency(context: RequestContext): Promise<void> {
  const header = context.headers['idempotency-key'];
  if (header === undefined || !context.key || !context.body) return;
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined || !VALID_KEY.test(key)) {
    throw new PorticoError('invalid_request', {
      message: 'Idempotency-Key must be 1-255 printable ASCII characters',
      param: 'Idempotency-Key',
    });
  }
  const scope = `chat:${context.key.id}`;
  // An embedding's hash covers its options (dimensions, encoding) as well as its inputs.
  const hashed = context.embedding ?? context.body;
  const requestHash = createHash('sha256').update(JSON.stringify(hashed)).digest('hex');
  const state = await context.services.store.beginIdempotent({
    scope,
    key,
    requestHash,
    accountId: context.key.accountId,
  });
  switch (state.state) {
    case 'new':
      context.idempotency = { scope, key };
      return;
    case 'in_progress':
      throw new PorticoError('idempotency_conflict');
    case 'mismatch':
      throw new PorticoError('idempotency_mismatch', { param: 'Idempotency-Key' });
    case 'done':
      context.replay = { status: state.status, body: state.body };
      return;
  }
}
