/**
 * The admin bearer key: `PORTICO_ADMIN_KEY`, or generated at first start. Only its hash is stored; a
 * generated key is returned once so `start` can print it, and never again.
 */
import type { Store } from '../store/types.ts';
import { generateApiKey, hashKey } from './api-keys.ts';

const SETTING = 'admin_key_hash';

export async function ensureAdminKey(
  store: Store,
  configured: string | undefined,
): Promise<{ hash: string; generated?: string }> {
  if (configured !== undefined) {
    if (configured.length < 16) throw new Error('PORTICO_ADMIN_KEY must be at least 16 characters');
    const hash = hashKey(configured);
    await store.setSetting(SETTING, hash);
    return { hash };
  }
  const stored = await store.getSetting(SETTING);
  if (stored) return { hash: stored };
  const generated = generateApiKey('sk-admin-');
  await store.setSetting(SETTING, generated.hash);
  return { hash: generated.hash, generated: generated.key };
}

/** Replace the stored admin key with a fresh one (`portico admin-key reset`). */
export async function rotateAdminKey(store: Store): Promise<string> {
  const generated = generateApiKey('sk-admin-');
  await store.setSetting(SETTING, generated.hash);
  return generated.key;
}
