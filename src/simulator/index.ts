export { startSimulator } from './server.ts';
export type { Simulator, SimulatorAttempt, SimulatorOptions } from './types.ts';
export { countTokens } from './text-generator.ts';
