// Prometheus metrics with Flux's and controller-runtime's names, so existing
// dashboards and alerts work unchanged.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class RuntimeMetrics {
  readonly registry = new Registry();

  /** Flux: duration of one reconcile of one object. */
  readonly reconcileDuration = new Histogram({
    name: 'gotk_reconcile_duration_seconds',
    help: 'The duration in seconds of a GitOps Toolkit resource reconciliation.',
    labelNames: ['kind', 'name', 'namespace'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });

  /** Flux: one series per condition status; the current one is 1. */
  readonly reconcileCondition = new Gauge({
    name: 'gotk_reconcile_condition',
    help: 'The current condition status of a GitOps Toolkit resource reconciliation.',
    labelNames: ['kind', 'name', 'namespace', 'type', 'status'] as const,
    registers: [this.registry],
  });

  readonly suspendStatus = new Gauge({
    name: 'gotk_suspend_status',
    help: 'The current suspend status of a GitOps Toolkit resource.',
    labelNames: ['kind', 'name', 'namespace'] as const,
    registers: [this.registry],
  });

  readonly reconcileTotal = new Counter({
    name: 'controller_runtime_reconcile_total',
    help: 'Total number of reconciliations per controller.',
    labelNames: ['controller', 'result'] as const,
    registers: [this.registry],
  });

  readonly reconcileErrors = new Counter({
    name: 'controller_runtime_reconcile_errors_total',
    help: 'Total number of reconciliation errors per controller.',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });

  readonly reconcileTime = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Length of time per reconciliation per controller.',
    labelNames: ['controller'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly activeWorkers = new Gauge({
    name: 'controller_runtime_active_workers',
    help: 'Number of currently used workers per controller.',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });

  readonly maxConcurrentReconciles = new Gauge({
    name: 'controller_runtime_max_concurrent_reconciles',
    help: 'Maximum number of concurrent reconciles per controller.',
    labelNames: ['controller'] as const,
    registers: [this.registry],
  });

  readonly queueDepth = new Gauge({
    name: 'workqueue_depth',
    help: 'Current depth of workqueue.',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });

  readonly queueAdds = new Counter({
    name: 'workqueue_adds_total',
    help: 'Total number of adds handled by workqueue.',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });

  readonly queueRetries = new Counter({
    name: 'workqueue_retries_total',
    help: 'Total number of retries handled by workqueue.',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });

  readonly queueLatency = new Histogram({
    name: 'workqueue_queue_duration_seconds',
    help: 'How long in seconds an item stays in workqueue before being requested.',
    labelNames: ['name'] as const,
    buckets: [0.001, 0.01, 0.1, 1, 10, 60, 300],
    registers: [this.registry],
  });

  readonly leaderElectionStatus = new Gauge({
    name: 'leader_election_master_status',
    help: 'Whether this instance is the leader (1) or not (0).',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });

  readonly eventLoopDelay = new Gauge({
    name: 'tide_event_loop_delay_seconds',
    help: 'Event loop delay over the last scrape interval (p99 and max).',
    labelNames: ['quantile'] as const,
    registers: [this.registry],
  });

  readonly #loopMonitor = monitorEventLoopDelay({ resolution: 20 });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.#loopMonitor.enable();
  }

  /** Sets the Flux condition gauge: 1 for the observed status, 0 for the others. */
  recordCondition(
    object: { kind: string; name: string; namespace: string },
    type: string,
    status: 'True' | 'False' | 'Unknown' | undefined,
  ): void {
    for (const s of ['True', 'False', 'Unknown', 'Deleted'] as const) {
      this.reconcileCondition.set({ ...object, type, status: s }, s === (status ?? 'Deleted') ? 1 : 0);
    }
  }

  /** Drops every series of a deleted object. */
  forgetObject(object: { kind: string; name: string; namespace: string }): void {
    this.reconcileCondition.remove({ ...object, type: 'Ready', status: 'True' });
    for (const s of ['True', 'False', 'Unknown', 'Deleted'] as const) {
      this.reconcileCondition.remove({ ...object, type: 'Ready', status: s });
    }
    this.suspendStatus.remove(object);
    this.reconcileDuration.remove(object);
  }

  async render(): Promise<string> {
    this.eventLoopDelay.set({ quantile: '0.99' }, this.#loopMonitor.percentile(99) / 1e9);
    this.eventLoopDelay.set({ quantile: '1' }, this.#loopMonitor.max / 1e9);
    this.#loopMonitor.reset();
    return this.registry.metrics();
  }

  close(): void {
    this.#loopMonitor.disable();
  }
}
