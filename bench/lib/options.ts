/** Command-line options of `npm run bench`, and the durations of a full and a quick run. */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  readonly quick: boolean;
  readonly repetitions: number;
  readonly capacitySeconds: number;
  readonly warmupSeconds: number;
  readonly saturationSeconds: number;
  readonly connections: number;
  readonly latencyRate: number;
  readonly latencySeconds: number;
  readonly streamRate: number;
  readonly streamSeconds: number;
  readonly streamChunks: number;
  readonly streamChunkDelayMs: number;
  readonly openStreamCounts: readonly number[];
  readonly only: readonly string[] | undefined;
  readonly upstream: string | undefined;
  readonly profile: boolean;
  readonly skipMemory: boolean;
  /** Only the memory phase (open streams, idle RSS), e.g. after a --skip-memory run. */
  readonly memoryOnly: boolean;
  readonly write: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]
  --quick            one repetition, shorter runs (about 2 minutes)
  --reps N           repetitions per measurement (default 3; quick 1)
  --only a,b         run only targets whose key contains one of these (direct, nginx, node, portkey, portico)
  --upstream KIND    force the fake upstream: simulator, nginx-static or light
  --profile          also record a CPU profile of Portico at saturation and print its top functions
  --skip-memory      skip the open-streams memory measurement
  --memory-only      only the memory phase (idle RSS and RSS per open stream)
  --no-write         print only; do not write bench/results/<date>.md
`;

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      reps: { type: 'string' },
      only: { type: 'string' },
      upstream: { type: 'string' },
      profile: { type: 'boolean', default: false },
      'skip-memory': { type: 'boolean', default: false },
      'memory-only': { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = values.quick;
  const repetitions = values.reps === undefined ? (quick ? 1 : 3) : Number(values.reps);
  if (!Number.isInteger(repetitions) || repetitions < 1) throw new Error('--reps must be a positive integer');
  return {
    quick,
    repetitions,
    capacitySeconds: quick ? 2 : 4,
    warmupSeconds: quick ? 1 : 2,
    saturationSeconds: quick ? 3 : 5,
    connections: 50,
    latencyRate: 500,
    latencySeconds: quick ? 4 : 6,
    streamRate: 200,
    streamSeconds: quick ? 3 : 4,
    streamChunks: 8,
    streamChunkDelayMs: 5,
    openStreamCounts: quick ? [1_000] : [5_000],
    only: values.only?.split(',').map((part) => part.trim().toLowerCase()),
    upstream: values.upstream,
    profile: values.profile,
    skipMemory: values['skip-memory'],
    memoryOnly: values['memory-only'],
    write: !values['no-write'],
  };
}
