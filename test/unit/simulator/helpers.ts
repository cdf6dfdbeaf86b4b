/**
 * Small HTTP helpers for the simulator tests: real requests on 127.0.0.1, bodies read whole or as SSE
 * events.
 */
import { startSimulator, type Simulator, type SimulatorOptions } from '../../../src/simulator/index.ts';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function post(
  simulator: Simulator,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const response = await fetch(`${simulator.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: any = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** The `data:` payloads of an SSE body, split on blank lines (`\n\n` or `\r\n\r\n`). */
export function sseData(text: string): string[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((event) => event.length > 0)
    .map((event) => {
      if (!event.startsWith('data: ')) throw new Error(`not a data event: ${event}`);
      return event.slice(6);
    });
}

export function sseJson(text: string): any[] {
  return sseData(text)
    .filter((data) => data !== '[DONE]')
    .map((data) => JSON.parse(data));
}

export function withSimulator(options: SimulatorOptions = {}): {
  get: () => Simulator;
  start: () => Promise<void>;
  stop: () => Promise<void>;
} {
  let simulator: Simulator | undefined;
  return {
    get: () => {
      if (!simulator) throw new Error('simulator not started');
      return simulator;
    },
    start: async () => {
      simulator = await startSimulator({ port: 0, host: '127.0.0.1', ...options });
    },
    stop: async () => {
      await simulator?.close();
    },
  };
}

export const userMessage = (content: string) => [{ role: 'user', content }];
export const geminiContents = (text: string) => [{ role: 'user', parts: [{ text }] }];
