/**
 * How a provider spends its key pool (routing/key-pool.ts) on one call. Two modes:
 * - the exchange chose the key for this attempt (`input.credential`): one upstream call with it; a 429
 *   or a refused key is reported to the pool and the error, tagged with the key's label, goes back to
 *   the attempt loop, which retries on another key (`KeyPool.choose(now, tried)`) before another
 *   deployment;
 * - no key given: the provider rotates by itself. A 429 or a refused key is reported and the same call
 *   moves on to the next free key at once (both are unbilled: nothing was generated), so the attempt
 *   loop only sees a failure when every key failed. A 429 then carries the wait until the first key is
 *   free again, so routing cools the deployment exactly that long.
 * A pool of one key (a plain `api_key`) is never cooled or taken out: with nothing to rotate to, the
 * deployment's own breaker and Retry-After cooling handle it, as before pools existed.
 * The key that served the answer is returned by label (never the secret) for the ledger row.
 */
import type { KeyLease, KeyPool } from '../../routing/key-pool.ts';
import type { ProviderRequest } from '../provider.ts';
import { UpstreamError, upstreamStatusError } from './upstream-error.ts';

/** A provider request that may carry the key the exchange chose for this attempt. */
export type PooledProviderRequest = ProviderRequest & { readonly credential?: KeyLease };

/** Something that was served with a pool key: the key's label, for the ledger's `credential`. */
export interface ServedByKey {
  readonly credential?: string;
}

/** The key label an answer, a stream or a failure carries (undefined when none was recorded). */
export function credentialOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const label = (value as { credential?: unknown }).credential;
  return typeof label === 'string' ? label : undefined;
}

function report(pool: KeyPool, label: string, error: unknown, now: number): void {
  if (!(error instanceof UpstreamError)) return;
  error.credential = label;
  if (error.credentialRejected) pool.rejected(label, error.upstreamStatus, now);
  else if (error.kind === 'status' && error.upstreamStatus === 429)
    pool.rateLimited(label, error.upstreamRetryAfterSeconds, now);
}

/** Whether another key may succeed where this one failed. */
function keyFault(error: unknown): boolean {
  return (
    error instanceof UpstreamError &&
    (error.credentialRejected || (error.kind === 'status' && error.upstreamStatus === 429))
  );
}

/** Every key is out or resting: the error the attempt loop sees, as the upstream would say it. */
function noFreeKey(pool: KeyPool, now: number): UpstreamError {
  const freeAt = pool.nextFreeAt(now);
  const error =
    freeAt === undefined
      ? upstreamStatusError(401, `every key of provider ${pool.provider} was refused by the upstream`)
      : upstreamStatusError(
          429,
          `every key of provider ${pool.provider} is rate-limited`,
          Math.max(1, Math.ceil((freeAt - now) / 1000)),
        );
  return error;
}

/**
 * Run `call` with a key of `pool` (see the file comment for the two modes). Resolves with the value and
 * the label of the key that served it; rejects with the last failure, tagged with its key's label.
 */
export async function callWithPool<T>(
  pool: KeyPool,
  input: Pick<PooledProviderRequest, 'credential' | 'signal'>,
  call: (key: KeyLease) => Promise<T>,
  clock: () => number = Date.now,
): Promise<{ value: T; credential: string }> {
  if (pool.size === 1 && !input.credential) {
    const only = pool.choose(clock()) ?? pool.first;
    try {
      return { value: await call(only), credential: only.label };
    } catch (error) {
      if (error instanceof UpstreamError) error.credential = only.label;
      throw error;
    }
  }
  if (input.credential) {
    try {
      return { value: await call(input.credential), credential: input.credential.label };
    } catch (error) {
      report(pool, input.credential.label, error, clock());
      throw error;
    }
  }
  const tried = new Set<string>();
  let last: unknown;
  for (let key = pool.choose(clock()); key; key = pool.choose(clock(), tried)) {
    tried.add(key.label);
    try {
      return { value: await call(key), credential: key.label };
    } catch (error) {
      report(pool, key.label, error, clock());
      if (!keyFault(error) || input.signal.aborted) throw error;
      last = error;
    }
  }
  if (last instanceof UpstreamError && last.credentialRejected && pool.nextFreeAt(clock()) === undefined)
    throw last;
  const error = noFreeKey(pool, clock());
  error.credential = last instanceof UpstreamError ? last.credential : undefined;
  throw error;
}
