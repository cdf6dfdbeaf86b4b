/** What one run measured, per system under test, before it is summarised into tables. */
export interface TargetResult {
  readonly key: string;
  readonly name: string;
  skipped: string | undefined;
  readonly notes: string[];
  /** Failed requests by phase and cause, e.g. 'latency: status 502'. */
  readonly failures: Map<string, number>;
  readonly throughput: number[];
  readonly cpuPerRequest: number[];
  readonly coreUse: number[];
  readonly cpuPerRequestAtRate: number[];
  readonly p50: number[];
  readonly p99: number[];
  readonly addedP50: number[];
  readonly addedP99: number[];
  readonly ttftP50: number[];
  readonly ttftP99: number[];
  readonly addedTtftP50: number[];
  readonly addedTtftP99: number[];
  readonly addedStreamTotalP50: number[];
  /** Bytes of RSS per open stream, by number of streams, one value per repetition. */
  readonly rssPerStream: Map<number, number[]>;
  /** RSS (bytes) of a freshly started process, idle for a second, before any load. */
  readonly idleRss: number[];
  /** RSS (bytes) after the memory phase's warm-up (1 s of saturation, 100 streams), idle again. */
  readonly warmIdleRss: number[];
}

export function addFailures(result: TargetResult, cause: string, count: number): void {
  if (count > 0) result.failures.set(cause, (result.failures.get(cause) ?? 0) + count);
}

export function emptyResult(key: string, name: string): TargetResult {
  return {
    key,
    name,
    skipped: undefined,
    notes: [],
    failures: new Map(),
    throughput: [],
    cpuPerRequest: [],
    coreUse: [],
    cpuPerRequestAtRate: [],
    p50: [],
    p99: [],
    addedP50: [],
    addedP99: [],
    ttftP50: [],
    ttftP99: [],
    addedTtftP50: [],
    addedTtftP99: [],
    addedStreamTotalP50: [],
    rssPerStream: new Map(),
    idleRss: [],
    warmIdleRss: [],
  };
}
