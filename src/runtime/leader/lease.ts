// Leader election over a coordination.k8s.io/v1 Lease with client-go's semantics:
// acquire when the lease is missing, ours, released or expired; expiry is judged
// by when *we* last saw the record change, never by the holder's clock; every
// write is guarded by resourceVersion, so a 409 means someone else won the round.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { KubeObject } from '../../api/object.js';
import { CoreResources, isNotFound, type KubeClient } from '../client/index.js';
import { sleep } from '../client/rate-limiter.js';
import { silentLogger, type Logger } from '../log/logger.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export type Lease = KubeObject<LeaseSpec>;

/** The calls the elector makes; a KubeClient satisfies it. */
export type LeaseClient = Pick<KubeClient, 'get' | 'create' | 'replace'>;

/** Time as the elector sees it; replaceable in unit tests. */
export interface Clock {
  now(): number;
  /** Resolves after ms, or early (without throwing) when the signal aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, signal).catch(() => undefined),
};

export interface LeaderElectorOptions {
  readonly client: LeaseClient;
  readonly namespace: string;
  /** The Lease name; Flux uses `<controller>-leader-election`. */
  readonly name: string;
  /** Defaults to `<hostname>_<uuid>`. */
  readonly identity?: string;
  /** How long a non-leader waits, from its last observed change, before taking over. */
  readonly leaseDurationMs?: number;
  /** How long the leader keeps retrying a failed renewal before it gives up. */
  readonly renewDeadlineMs?: number;
  /** Pause between attempts to acquire or renew. */
  readonly retryPeriodMs?: number;
  /** Acquire attempts wait retryPeriod * (1 + random * jitterFactor), like client-go. */
  readonly jitterFactor?: number;
  /** Clear the lease on shutdown so a follower takes over at once (default true). */
  readonly releaseOnCancel?: boolean;
  /**
   * Runs once leadership is acquired. Its signal aborts on shutdown or when
   * leadership is lost. On shutdown the lease is kept (and renewed) until the
   * returned promise settles, then released, so two leaders never work at once.
   */
  readonly onStartedLeading?: (signal: AbortSignal) => void | Promise<void>;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export type LeaderElectionOutcome =
  /** The run signal aborted; the lease was released if we held it and releaseOnCancel is set. */
  | { readonly reason: 'cancelled'; readonly wasLeader: boolean }
  /** Renewal failed for renewDeadline or another instance took the lease: the process should exit. */
  | { readonly reason: 'lost'; readonly message: string };

export const leaderElectionDefaults = {
  leaseDurationMs: 35_000,
  renewDeadlineMs: 30_000,
  retryPeriodMs: 5_000,
  jitterFactor: 1.2,
} as const;

type Attempt = 'acquired' | 'held-by-other' | 'failed';

export class LeaderElector {
  readonly identity: string;
  readonly #opts: LeaderElectorOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #holderListeners = new Set<(holder: string | undefined) => void>();
  #leading = false;
  #holder: string | undefined;
  // The last record seen (serialized) and when, on our clock, it was first seen.
  #observedRecord = '';
  #observedSpec: LeaseSpec = {};
  #observedAt = 0;
  #running = false;

  constructor(opts: LeaderElectorOptions) {
    this.#opts = opts;
    this.identity = opts.identity ?? `${os.hostname()}_${randomUUID()}`;
    this.#clock = opts.clock ?? systemClock;
    this.#leaseDurationMs = opts.leaseDurationMs ?? leaderElectionDefaults.leaseDurationMs;
    this.#renewDeadlineMs = opts.renewDeadlineMs ?? leaderElectionDefaults.renewDeadlineMs;
    this.#retryPeriodMs = opts.retryPeriodMs ?? leaderElectionDefaults.retryPeriodMs;
    if (this.#leaseDurationMs <= this.#renewDeadlineMs) {
      throw new Error('leaseDuration must be greater than renewDeadline');
    }
    if (this.#renewDeadlineMs <= this.#retryPeriodMs) {
      throw new Error('renewDeadline must be greater than retryPeriod');
    }
    if (this.#leaseDurationMs < 1000) throw new Error('leaseDuration must be at least 1s');
    this.#log = (opts.logger ?? silentLogger).with({
      lease: `${opts.namespace}/${opts.name}`,
      identity: this.identity,
    });
  }

  isLeader(): boolean {
    return this.#leading;
  }

  /** The holder named by the last lease record seen, if any. */
  currentHolder(): string | undefined {
    return this.#holder;
  }

  /** Calls listener whenever the observed holder changes; returns an unsubscribe function. */
  onHolderChange(listener: (holder: string | undefined) => void): () => void {
    this.#holderListeners.add(listener);
    return () => this.#holderListeners.delete(listener);
  }

  /** Campaigns until leadership is won, leads until `signal` aborts or leadership is lost. */
  async run(signal: AbortSignal): Promise<LeaderElectionOutcome> {
    if (this.#running) throw new Error('LeaderElector.run is already running');
    this.#running = true;
    try {
      if (!(await this.#acquire(signal))) return { reason: 'cancelled', wasLeader: false };
      return await this.#lead(signal);
    } finally {
      this.#running = false;
    }
  }

  async #acquire(signal: AbortSignal): Promise<boolean> {
    this.#log.info('attempting to acquire leader lease');
    while (!signal.aborted) {
      if ((await this.#tryAcquireOrRenew(signal, this.#renewDeadlineMs)) === 'acquired') return true;
      const jitter = Math.random() * (this.#opts.jitterFactor ?? leaderElectionDefaults.jitterFactor);
      await this.#clock.sleep(this.#retryPeriodMs * (1 + jitter), signal);
    }
    return false;
  }

  async #lead(signal: AbortSignal): Promise<LeaderElectionOutcome> {
    this.#leading = true;
    this.#log.info('acquired leader lease');
    const leading = new AbortController();
    const renewing = new AbortController();
    const work = this.#startWork(leading.signal);
    // On shutdown, stop the leader's work first and keep renewing until it is done.
    const onShutdown = (): void => {
      leading.abort(new Error('leader election: shutting down'));
      void work.finally(() => {
        renewing.abort();
      });
    };
    if (signal.aborted) onShutdown();
    else signal.addEventListener('abort', onShutdown, { once: true });
    try {
      const lost = await this.#renewLoop(renewing.signal);
      this.#leading = false;
      if (lost !== undefined) {
        leading.abort(new Error(`leader election lost: ${lost}`));
        this.#log.error('leader election lost', { reason: lost });
        return { reason: 'lost', message: lost };
      }
      if (this.#opts.releaseOnCancel ?? true) await this.#release();
      return { reason: 'cancelled', wasLeader: true };
    } finally {
      signal.removeEventListener('abort', onShutdown);
    }
  }

  /** Runs the callback; never rejects. */
  async #startWork(signal: AbortSignal): Promise<void> {
    try {
      await this.#opts.onStartedLeading?.(signal);
    } catch (err) {
      this.#log.error('leader callback failed', { error: err });
    }
  }

  /** Renews every retryPeriod; returns why leadership was lost, or undefined when stopped. */
  async #renewLoop(stop: AbortSignal): Promise<string | undefined> {
    for (;;) {
      const deadline = this.#clock.now() + this.#renewDeadlineMs;
      for (;;) {
        if (stop.aborted) return undefined;
        const remaining = deadline - this.#clock.now();
        if (remaining <= 0) return `failed to renew the lease within ${this.#renewDeadlineMs}ms`;
        const attempt = await this.#tryAcquireOrRenew(stop, remaining);
        if (attempt === 'acquired') break;
        if (attempt === 'held-by-other')
          return `the lease is now held by ${this.#holder ?? 'another instance'}`;
        await this.#clock.sleep(
          Math.min(this.#retryPeriodMs, Math.max(0, deadline - this.#clock.now())),
          stop,
        );
      }
      await this.#clock.sleep(this.#retryPeriodMs, stop);
    }
  }

  /** One round: read the lease, and take or renew it if we may. */
  async #tryAcquireOrRenew(stop: AbortSignal, timeoutMs: number): Promise<Attempt> {
    const signal = AbortSignal.any([stop, AbortSignal.timeout(Math.max(1, timeoutMs))]);
    const now = this.#clock.now();
    const desired: LeaseSpec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.#leaseDurationMs / 1000),
      acquireTime: formatMicroTime(now),
      renewTime: formatMicroTime(now),
      leaseTransitions: 0,
    };
    let lease: Lease;
    try {
      lease = await this.#opts.client.get<Lease>(
        CoreResources.Lease,
        this.#opts.name,
        this.#opts.namespace,
        signal,
      );
    } catch (err) {
      if (!isNotFound(err)) return this.#failed('reading the lease', err, stop);
      return this.#create(desired, signal, stop);
    }
    const current = lease.spec ?? {};
    this.#observe(current);
    const holder = current.holderIdentity ?? '';
    if (holder !== '' && holder !== this.identity && this.#observedValidAt(now)) return 'held-by-other';
    if (holder === this.identity) {
      desired.acquireTime = current.acquireTime;
      desired.leaseTransitions = current.leaseTransitions ?? 0;
    } else {
      desired.leaseTransitions = (current.leaseTransitions ?? 0) + 1;
    }
    try {
      const updated = await this.#opts.client.replace<Lease>(
        CoreResources.Lease,
        { ...lease, spec: { ...current, ...desired } },
        signal,
      );
      this.#observe(updated.spec ?? desired);
      return 'acquired';
    } catch (err) {
      // A conflict means another instance wrote first; the next round re-reads.
      return this.#failed('updating the lease', err, stop);
    }
  }

  async #create(desired: LeaseSpec, signal: AbortSignal, stop: AbortSignal): Promise<Attempt> {
    desired.leaseTransitions = 0;
    try {
      const created = await this.#opts.client.create<Lease>(
        CoreResources.Lease,
        {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.#opts.name, namespace: this.#opts.namespace },
          spec: desired,
        },
        signal,
      );
      this.#observe(created.spec ?? desired);
      return 'acquired';
    } catch (err) {
      return this.#failed('creating the lease', err, stop);
    }
  }

  #failed(action: string, err: unknown, stop: AbortSignal): Attempt {
    if (!stop.aborted) this.#log.debug(`leader election: ${action} failed`, { error: err });
    return 'failed';
  }

  #observe(spec: LeaseSpec): void {
    const record = JSON.stringify([
      spec.holderIdentity ?? '',
      spec.leaseDurationSeconds ?? 0,
      spec.acquireTime ?? '',
      spec.renewTime ?? '',
      spec.leaseTransitions ?? 0,
    ]);
    if (record !== this.#observedRecord) {
      this.#observedRecord = record;
      this.#observedSpec = spec;
      this.#observedAt = this.#clock.now();
    }
    const holder = spec.holderIdentity === '' ? undefined : spec.holderIdentity;
    if (holder !== this.#holder) {
      this.#holder = holder;
      this.#log.info('observed a new leader', { holder: holder ?? '' });
      for (const listener of this.#holderListeners) listener(holder);
    }
  }

  #observedValidAt(now: number): boolean {
    const seconds = this.#observedSpec.leaseDurationSeconds ?? 0;
    return this.#observedAt + seconds * 1000 > now;
  }

  /** Clears the holder so a follower need not wait for the lease to expire. */
  async #release(): Promise<void> {
    const signal = AbortSignal.timeout(this.#renewDeadlineMs);
    try {
      const lease = await this.#opts.client.get<Lease>(
        CoreResources.Lease,
        this.#opts.name,
        this.#opts.namespace,
        signal,
      );
      const current = lease.spec ?? {};
      if (current.holderIdentity !== this.identity) return;
      const now = formatMicroTime(this.#clock.now());
      const released: LeaseSpec = {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: current.leaseTransitions ?? 0,
      };
      const updated = await this.#opts.client.replace<Lease>(
        CoreResources.Lease,
        { ...lease, spec: released },
        signal,
      );
      this.#observe(updated.spec ?? released);
      this.#log.info('released leader lease');
    } catch (err) {
      this.#log.error('failed to release the leader lease', { error: err });
    }
  }
}

/** Kubernetes MicroTime: RFC 3339 in UTC with exactly six fractional digits. */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
