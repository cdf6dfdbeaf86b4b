/**
 * Prometheus metrics. One registry per app (no global default registry), labels never carry keys or
 * account names: model, status class and terminal state only.
 */
import { Counter, Histogram, Registry, Gauge, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'portico_requests_total',
    help: 'Model requests by door (inbound dialect), model and HTTP status',
    labelNames: ['door', 'model', 'status'] as const,
    registers: [this.registry],
  });
  readonly attempts = new Counter({
    name: 'portico_upstream_attempts_total',
    help: 'Upstream attempts by deployment and terminal state',
    labelNames: ['deployment', 'state'] as const,
    registers: [this.registry],
  });
  readonly costMicros = new Counter({
    name: 'portico_cost_micro_usd_total',
    help: 'Settled cost in micro-USD by model',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'portico_request_duration_seconds',
    help: 'Time from request to the end of the response',
    labelNames: ['door', 'model', 'stream'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  readonly openStreams = new Gauge({
    name: 'portico_open_streams',
    help: 'SSE streams currently open',
    registers: [this.registry],
  });
  readonly limiterDegraded = new Gauge({
    name: 'portico_limiter_degraded',
    help: '1 while the shared limiter backend is unreachable and the local fallback share applies',
    registers: [this.registry],
  });

  constructor(collectProcessMetrics = true) {
    if (collectProcessMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'portico_' });
  }
}
