/** A system under test: something that starts against one upstream origin and takes chat requests. */
import type { RequestSpec } from '../lib/request-spec.ts';

/** Which wire format the upstream is spoken to in: direct OpenAI calls, or Gemini through translation. */
export type UpstreamFormat = 'openai' | 'gemini';

export interface RunningTarget {
  /** PID whose CPU and memory are the target's cost; undefined for the upstream called directly. */
  readonly pid: number | undefined;
  /** A chat request; `maxTokens` defaults to 16, the memory phase asks for long streams. */
  request(stream: boolean, maxTokens?: number): RequestSpec;
  /** A substring that the end of a successful stream contains. */
  readonly streamEndMarker: string;
  stop(): Promise<void>;
}

export interface StartContext {
  /** e.g. http://127.0.0.1:9000 */
  readonly upstreamOrigin: string;
  /** A fresh temporary directory for this start. */
  readonly workDirectory: string;
  /** Extra node flags (used for --cpu-prof). */
  readonly nodeFlags?: readonly string[];
}

export interface TargetDefinition {
  readonly name: string;
  /** The direct baseline its added latency is measured against. */
  readonly format: UpstreamFormat;
  readonly isDirect: boolean;
  /** Why it cannot run here, or undefined when it can. */
  unavailable(): string | undefined;
  start(context: StartContext): Promise<RunningTarget>;
}
