/**
 * Runs Portico's own simulator as a standalone fake upstream process for the benchmark.
 * The module is loaded by path at run time so the bench keeps working while the simulator changes.
 *
 * Run: node --import tsx bench/upstreams/simulator-entry.ts --port 9000 --chunks 8 --chunk-delay-ms 5
 */
import { parseArgs } from 'node:util';

interface SimulatorOptions {
  readonly port: number;
  readonly host: string;
  readonly logAttempts: boolean;
  readonly chunkCount: number;
  readonly chunkDelayMs: number;
}

type StartSimulator = (options: SimulatorOptions) => Promise<unknown>;

function isStarter(value: unknown): value is StartSimulator {
  return typeof value === 'function';
}

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    chunks: { type: 'string', default: '8' },
    'chunk-delay-ms': { type: 'string', default: '0' },
  },
});
const modulePath = new URL('../../src/simulator/index.ts', import.meta.url).href;
const simulator = (await import(modulePath)) as Record<string, unknown>;
const start = simulator.startSimulator;
if (!isStarter(start)) throw new Error('src/simulator/index.ts exports no startSimulator');
await start({
  port: Number(values.port),
  host: values.host,
  logAttempts: false,
  chunkCount: Number(values.chunks),
  chunkDelayMs: Number(values['chunk-delay-ms']),
});
process.stdout.write(`simulator listening on ${values.host}:${values.port}\n`);
process.on('SIGTERM', () => process.exit(0));
