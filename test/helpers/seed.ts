/**
 * Reproducible randomness for the load and crash tests. `PORTICO_TEST_SEED` picks the seed (a fresh one
 * otherwise); the seed is reported with the test's result and added to its error when it fails, so a
 * failure can be replayed with `PORTICO_TEST_SEED=<seed>`.
 */
import type { TestContext } from 'node:test';

export interface Random {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
}

/** mulberry32: small, fast and good enough to pick test inputs. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { seed, next, int: (n) => Math.floor(next() * n) };
}

function seedFromEnvironment(): number {
  const given = process.env.PORTICO_TEST_SEED;
  if (given === undefined || given === '') return Math.floor(Math.random() * 2 ** 32);
  const seed = Number(given);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32)
    throw new Error(`PORTICO_TEST_SEED must be an integer in [0, 2^32), got ${given}`);
  return seed;
}

/** Runs `body` with a seeded generator; the seed goes into the report and into any failure. */
export async function withSeed(context: TestContext, body: (random: Random) => Promise<void>): Promise<void> {
  const random = seededRandom(seedFromEnvironment());
  const replay = `replay with PORTICO_TEST_SEED=${random.seed}`;
  context.diagnostic(`seed ${random.seed} (${replay})`);
  try {
    await body(random);
  } catch (error) {
    if (error instanceof Error) {
      error.message = `${error.message}\n(${replay})`;
      if (error.stack) error.stack = `${error.stack}\n(${replay})`;
    }
    throw error;
  }
}
