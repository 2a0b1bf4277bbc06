// A controller: a work queue of object keys fed by informers, drained by a fixed
// number of workers that call the reconciler. Level-based: a request is only a
// name; the reconciler reads current state. Errors decide the retry: StalledError
// never retries, WaitError retries after its delay, anything else backs off.
import { objectKey, splitObjectKey, type KubeObject } from '../../api/object.js';
import type { Informer, InformerEvent } from '../cache/informer.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { RuntimeMetrics } from '../metrics/metrics.js';
import { jitter, type BackoffOptions } from '../queue/backoff.js';
import { WorkQueue, type QueueObserver } from '../queue/work-queue.js';
import { StalledError, WaitError, messageOf } from '../reconcile/errors.js';

export interface Request {
  readonly namespace?: string;
  readonly name: string;
}

/** The one result type: done, or come back after a delay. */
export type Result = { readonly kind: 'done' } | { readonly kind: 'requeue'; readonly afterMs: number };

export const done: Result = { kind: 'done' };
export function requeueAfter(afterMs: number): Result {
  return { kind: 'requeue', afterMs };
}

export interface ReconcileContext {
  readonly signal: AbortSignal;
  readonly log: Logger;
}

export interface Reconciler {
  reconcile(request: Request, ctx: ReconcileContext): Promise<Result>;
}

export type Predicate<T> = (event: InformerEvent<T>) => boolean;

export interface ControllerOptions {
  readonly name: string;
  readonly reconciler: Reconciler;
  readonly concurrency?: number;
  readonly backoff?: BackoffOptions;
  /** Observes the queue (tests, extra metrics); Prometheus metrics are wired separately. */
  readonly queueObserver?: QueueObserver;
  /** Per-reconcile deadline; the reconcile's signal aborts when it passes. */
  readonly reconcileTimeoutMs?: number;
  /** Spread of requeueAfter delays, in percent (Flux's --interval-jitter-percentage). */
  readonly jitterPercent?: number;
  readonly metrics?: RuntimeMetrics;
  readonly logger?: Logger;
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly #opts: ControllerOptions;
  readonly #log: Logger;
  readonly #inFlight = new Map<string, AbortController>();

  constructor(opts: ControllerOptions) {
    this.name = opts.name;
    this.#opts = opts;
    this.#log = (opts.logger ?? silentLogger).with({ controller: opts.name });
    const m = opts.metrics;
    this.queue = new WorkQueue({
      ...(opts.backoff === undefined ? {} : { backoff: opts.backoff }),
      observer: combineObservers(
        opts.queueObserver,
        m === undefined
          ? undefined
          : {
              added: () => {
                m.queueAdds.inc({ name: opts.name });
              },
              depth: (d) => {
                m.queueDepth.set({ name: opts.name }, d);
              },
              retried: () => {
                m.queueRetries.inc({ name: opts.name });
              },
              waited: (ms) => {
                m.queueLatency.observe({ name: opts.name }, ms / 1000);
              },
            },
      ),
    });
  }

  /** Enqueues the object itself on every event that passes the predicate. */
  watchPrimary<T extends KubeObject>(informer: Informer<T>, predicate: Predicate<T> = () => true): void {
    informer.onEvent((event) => {
      if (predicate(event)) this.queue.add(objectKey(event.object.metadata));
    });
  }

  /** Enqueues the requests `map` derives from events of another kind. */
  watchRelated<T extends KubeObject>(
    informer: Informer<T>,
    map: (event: InformerEvent<T>) => readonly Request[],
  ): void {
    informer.onEvent((event) => {
      for (const request of map(event)) this.queue.add(objectKey(request));
    });
  }

  enqueue(request: Request): void {
    this.queue.add(objectKey(request));
  }

  /**
   * Runs the workers until `signal` aborts, then stops taking work and waits for
   * in-flight reconciles; after `graceMs` their signals are aborted.
   */
  async run(parent: AbortSignal, graceMs = 30_000): Promise<void> {
    const signal = AbortSignal.any([parent]);
    const concurrency = this.#opts.concurrency ?? 1;
    this.#opts.metrics?.maxConcurrentReconciles.set({ controller: this.name }, concurrency);
    const workers = Array.from({ length: concurrency }, () => this.#worker());
    const stop = (): void => {
      this.queue.shutDown();
      const timer = setTimeout(() => {
        for (const c of this.#inFlight.values()) c.abort(new Error('shutdown grace period exceeded'));
      }, graceMs);
      void Promise.all(workers).finally(() => {
        clearTimeout(timer);
      });
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    await Promise.all(workers);
  }

  async #worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.#process(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  async #process(key: string): Promise<void> {
    const m = this.#opts.metrics;
    const labels = { controller: this.name };
    const abort = new AbortController();
    this.#inFlight.set(key, abort);
    const timeout = this.#opts.reconcileTimeoutMs;
    const signal =
      timeout === undefined ? abort.signal : AbortSignal.any([abort.signal, AbortSignal.timeout(timeout)]);
    m?.activeWorkers.inc(labels);
    const started = performance.now();
    let result: string;
    try {
      const outcome = await this.#opts.reconciler.reconcile(splitObjectKey(key), {
        signal,
        log: this.#log.with({ object: key }),
      });
      this.queue.forget(key);
      if (outcome.kind === 'requeue') {
        this.queue.addAfter(key, jitter(outcome.afterMs, this.#opts.jitterPercent ?? 0));
        result = 'requeue_after';
      } else {
        result = 'success';
      }
    } catch (err) {
      m?.reconcileErrors.inc(labels);
      if (err instanceof StalledError) {
        this.queue.forget(key);
        result = 'error';
      } else if (err instanceof WaitError) {
        this.queue.forget(key);
        this.queue.addAfter(key, err.retryAfterMs);
        result = 'requeue_after';
      } else {
        const delay = this.queue.addRateLimited(key);
        this.#log.error('reconcile failed', { object: key, error: messageOf(err), retryInMs: delay });
        result = 'error';
      }
    } finally {
      this.#inFlight.delete(key);
      m?.activeWorkers.dec(labels);
    }
    m?.reconcileTotal.inc({ ...labels, result });
    m?.reconcileTime.observe(labels, (performance.now() - started) / 1000);
  }
}

/**
 * Flux's default trigger: a new generation (spec change or deletion), a new
 * `reconcile.fluxcd.io/requestedAt` annotation, or a deletion timestamp. Status-only
 * updates do not trigger.
 */
export function generationOrRequestChanged<T extends KubeObject>(event: InformerEvent<T>): boolean {
  if (event.type !== 'update') return event.type === 'add';
  const { old, object } = event;
  if (old.metadata.generation !== object.metadata.generation) return true;
  if (old.metadata.deletionTimestamp !== object.metadata.deletionTimestamp) return true;
  const key = 'reconcile.fluxcd.io/requestedAt';
  return old.metadata.annotations?.[key] !== object.metadata.annotations?.[key];
}

function combineObservers(...observers: (QueueObserver | undefined)[]): QueueObserver {
  const list = observers.filter((o): o is QueueObserver => o !== undefined);
  return {
    added: (key) => {
      list.forEach((o) => o.added?.(key));
    },
    depth: (depth) => {
      list.forEach((o) => o.depth?.(depth));
    },
    retried: (key, delay) => {
      list.forEach((o) => o.retried?.(key, delay));
    },
    waited: (ms) => {
      list.forEach((o) => o.waited?.(ms));
    },
  };
}
