/**
 * Runs the simulator on its own: `tsx src/simulator/main.ts --port 9999 [--host 127.0.0.1]
 * [--latency-ms N] [--chunks N] [--chunk-delay-ms N] [--require-key KEY]`. Prints its URL.
 */
import { parseArgs } from 'node:util';
import { startSimulator } from './server.ts';

function optionalNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`--${name} needs a non-negative number`);
  return parsed;
}

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'latency-ms': { type: 'string' },
    chunks: { type: 'string' },
    'chunk-delay-ms': { type: 'string' },
    'require-key': { type: 'string' },
    'log-attempts': { type: 'boolean', default: false },
  },
});

const simulator = await startSimulator({
  port: optionalNumber(values.port, 'port'),
  host: values.host,
  latencyMs: optionalNumber(values['latency-ms'], 'latency-ms'),
  chunkCount: optionalNumber(values.chunks, 'chunks'),
  chunkDelayMs: optionalNumber(values['chunk-delay-ms'], 'chunk-delay-ms'),
  requireKey: values['require-key'],
  logAttempts: values['log-attempts'],
});
process.stdout.write(`${simulator.url}\n`);

const stop = () => void simulator.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
