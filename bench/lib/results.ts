/** What one run measured, per system under test, before it is summarised into tables. */
export interface TargetResult {
  readonly key: string;
  readonly name: string;
  skipped: string | undefined;
  readonly notes: string[];
  errors: number;
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
  readonly rssPerStream: Map<number, number>;
}

export function emptyResult(key: string, name: string): TargetResult {
  return {
    key,
    name,
    skipped: undefined,
    notes: [],
    errors: 0,
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
  };
}
