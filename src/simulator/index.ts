export { startSimulator, type Simulator, type SimulatorAttempt, type SimulatorOptions } from './server.ts';
