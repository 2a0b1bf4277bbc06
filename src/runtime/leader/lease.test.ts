import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/object.js';
import { ApiError } from '../client/errors.js';
import type { ResourceType } from '../client/resource.js';
import {
  formatMicroTime,
  LeaderElector,
  type Clock,
  type LeaderElectionOutcome,
  type LeaderElectorOptions,
  type Lease,
  type LeaseClient,
  type LeaseSpec,
} from './lease.js';

// Lets pending promise chains (fake API calls, loop iterations) run to their next sleep.
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

class FakeClock implements Clock {
  #now = Date.parse('2030-01-01T00:00:00Z');
  #timers: { at: number; resolve: () => void }[] = [];

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const onAbort = (): void => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        resolve();
      };
      const timer = {
        at: this.#now + ms,
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.#timers.push(timer);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Moves time forward, firing each due sleep in order and letting the loop react. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0];
      if (next === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.at);
      next.resolve();
      await settle();
    }
    this.#now = target;
    await settle();
  }
}

/** An in-memory Lease endpoint with the API server's optimistic concurrency. */
class FakeLeases implements LeaseClient {
  lease: Lease | undefined;
  failWrites = false;
  /** Runs between a replace request's arrival and its check, to stage a race. */
  beforeReplace: (() => void) | undefined;
  #rv = 0;

  set(spec: LeaseSpec): Lease {
    const lease: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'lease', namespace: 'ns', resourceVersion: String(++this.#rv) },
      spec,
    };
    this.lease = lease;
    return lease;
  }

  get spec(): LeaseSpec {
    return this.lease?.spec ?? {};
  }

  async get<T extends KubeObject>(_res: ResourceType, _name: string): Promise<T> {
    await Promise.resolve();
    if (this.lease === undefined) throw new ApiError(404, 'NotFound', 'leases "lease" not found');
    return structuredClone(this.lease) as T;
  }

  async create<T extends KubeObject>(_res: ResourceType, object: T): Promise<T> {
    await Promise.resolve();
    if (this.failWrites) throw new ApiError(500, 'InternalError', 'etcd is down');
    if (this.lease !== undefined) throw new ApiError(409, 'AlreadyExists', 'leases "lease" already exists');
    return structuredClone(this.set((object as Lease).spec ?? {})) as unknown as T;
  }

  async replace<T extends KubeObject>(_res: ResourceType, object: T): Promise<T> {
    await Promise.resolve();
    if (this.failWrites) throw new ApiError(500, 'InternalError', 'etcd is down');
    const hook = this.beforeReplace;
    this.beforeReplace = undefined;
    hook?.();
    if (object.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) {
      throw new ApiError(409, 'Conflict', 'the object has been modified');
    }
    return structuredClone(this.set((object as Lease).spec ?? {})) as unknown as T;
  }
}

interface Harness {
  clock: FakeClock;
  leases: FakeLeases;
  elector: LeaderElector;
  stop: AbortController;
  outcome: Promise<LeaderElectionOutcome>;
  leaderSignals: AbortSignal[];
}

const seconds = 1000;

function start(
  setup: (leases: FakeLeases) => void = () => undefined,
  opts: Partial<LeaderElectorOptions> = {},
): Harness {
  const clock = new FakeClock();
  const leases = new FakeLeases();
  setup(leases);
  const leaderSignals: AbortSignal[] = [];
  const elector = new LeaderElector({
    client: leases,
    namespace: 'ns',
    name: 'lease',
    identity: 'me',
    leaseDurationMs: 15 * seconds,
    renewDeadlineMs: 10 * seconds,
    retryPeriodMs: 2 * seconds,
    jitterFactor: 0,
    clock,
    onStartedLeading: (signal) => {
      leaderSignals.push(signal);
    },
    ...opts,
  });
  const stop = new AbortController();
  return { clock, leases, elector, stop, outcome: elector.run(stop.signal), leaderSignals };
}

const microTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

describe('LeaderElector', () => {
  it('creates a missing lease and leads', async () => {
    const h = start();
    await h.clock.advance(0);
    assert.equal(h.elector.isLeader(), true);
    assert.equal(h.elector.currentHolder(), 'me');
    assert.equal(h.leaderSignals.length, 1);
    assert.equal(h.leaderSignals[0]?.aborted, false);
    const spec = h.leases.spec;
    assert.equal(spec.holderIdentity, 'me');
    assert.equal(spec.leaseDurationSeconds, 15);
    assert.equal(spec.leaseTransitions, 0);
    assert.match(spec.acquireTime ?? '', microTime);
    assert.equal(spec.renewTime, formatMicroTime(h.clock.now()));
    h.stop.abort();
    await h.outcome;
  });

  it('renews every retryPeriod and keeps acquireTime and transitions', async () => {
    const h = start((l) => {
      l.set({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 4 });
    });
    await h.clock.advance(0);
    const acquired = h.leases.spec;
    assert.equal(acquired.leaseTransitions, 5, 'taking a released lease is a transition');
    await h.clock.advance(2 * seconds);
    assert.equal(h.leases.spec.renewTime, formatMicroTime(h.clock.now()));
    assert.equal(h.leases.spec.acquireTime, acquired.acquireTime);
    assert.equal(h.leases.spec.leaseTransitions, 5);
    h.stop.abort();
    await h.outcome;
  });

  it('waits leaseDuration on its own clock before taking over, whatever the remote renewTime says', async () => {
    for (const renewTime of ['2100-01-01T00:00:00.000000Z', '1970-01-01T00:00:00.000000Z']) {
      const h = start((l) => {
        l.set({
          holderIdentity: 'other',
          leaseDurationSeconds: 15,
          renewTime,
          acquireTime: renewTime,
          leaseTransitions: 2,
        });
      });
      await h.clock.advance(0);
      assert.equal(h.elector.isLeader(), false, `renewTime ${renewTime}: taken at once`);
      assert.equal(h.elector.currentHolder(), 'other');
      await h.clock.advance(14 * seconds);
      assert.equal(h.elector.isLeader(), false, `renewTime ${renewTime}: taken before expiry`);
      await h.clock.advance(2 * seconds);
      assert.equal(h.elector.isLeader(), true, `renewTime ${renewTime}: not taken after expiry`);
      assert.equal(h.leases.spec.holderIdentity, 'me');
      assert.equal(h.leases.spec.leaseTransitions, 3);
      assert.equal(h.leases.spec.acquireTime, formatMicroTime(h.clock.now()));
      h.stop.abort();
      await h.outcome;
    }
  });

  it('restarts the expiry wait whenever the holder renews', async () => {
    const h = start((l) => {
      l.set({ holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: 'a' });
    });
    await h.clock.advance(10 * seconds);
    h.leases.set({ holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: 'b' });
    await h.clock.advance(12 * seconds);
    assert.equal(h.elector.isLeader(), false, 'the renewal was ignored');
    await h.clock.advance(6 * seconds);
    assert.equal(h.elector.isLeader(), true);
    h.stop.abort();
    await h.outcome;
  });

  it('gives up leadership when renewals fail for renewDeadline', async () => {
    const h = start();
    await h.clock.advance(0);
    h.leases.failWrites = true;
    await h.clock.advance(9 * seconds);
    assert.equal(h.elector.isLeader(), true, 'lost before renewDeadline');
    const leaderSignal = h.leaderSignals[0];
    assert.equal(leaderSignal?.aborted, false);
    await h.clock.advance(5 * seconds);
    const outcome = await h.outcome;
    assert.equal(outcome.reason, 'lost');
    assert.equal(h.elector.isLeader(), false);
    assert.equal(leaderSignal.aborted, true);
  });

  it('recovers from a failed renewal within renewDeadline', async () => {
    const h = start();
    await h.clock.advance(0);
    h.leases.failWrites = true;
    await h.clock.advance(6 * seconds);
    h.leases.failWrites = false;
    await h.clock.advance(20 * seconds);
    assert.equal(h.elector.isLeader(), true);
    assert.equal(h.leases.spec.renewTime, formatMicroTime(h.clock.now()));
    h.stop.abort();
    await h.outcome;
  });

  it('steps down at once when another instance holds the lease', async () => {
    const h = start();
    await h.clock.advance(0);
    h.leases.set({ ...h.leases.spec, holderIdentity: 'intruder' });
    await h.clock.advance(2 * seconds);
    const outcome = await h.outcome;
    assert.ok(outcome.reason === 'lost', `outcome ${outcome.reason}`);
    assert.match(outcome.message, /intruder/);
    assert.equal(h.elector.isLeader(), false);
    assert.equal(h.leaderSignals[0]?.aborted, true);
    assert.equal(h.leases.spec.holderIdentity, 'intruder', 'a deposed leader must not write');
  });

  it('does not lead when another instance wins the write race (409)', async () => {
    const h = start((l) => {
      l.set({ holderIdentity: '', leaseDurationSeconds: 1 });
      l.beforeReplace = () => {
        l.set({ holderIdentity: 'rival', leaseDurationSeconds: 15, renewTime: 'x' });
      };
    });
    await h.clock.advance(0);
    assert.equal(h.elector.isLeader(), false);
    await h.clock.advance(6 * seconds);
    assert.equal(h.elector.isLeader(), false);
    assert.equal(h.leases.spec.holderIdentity, 'rival');
    assert.equal(h.leaderSignals.length, 0);
    h.stop.abort();
    assert.deepEqual(await h.outcome, { reason: 'cancelled', wasLeader: false });
    assert.equal(h.leases.spec.holderIdentity, 'rival', 'a follower must not release');
  });

  it('on shutdown, stops the work, keeps renewing until it ends, then releases', async () => {
    let finishWork = (): void => undefined;
    const h = start(undefined, {
      onStartedLeading: (signal) => {
        h.leaderSignals.push(signal);
        return new Promise<void>((resolve) => (finishWork = resolve));
      },
    });
    await h.clock.advance(0);
    const transitions = h.leases.spec.leaseTransitions;
    h.stop.abort();
    await h.clock.advance(20 * seconds);
    assert.equal(h.leaderSignals[0]?.aborted, true, 'the leader work was not told to stop');
    assert.equal(h.leases.spec.holderIdentity, 'me', 'released while the work was still running');
    assert.equal(h.leases.spec.renewTime, formatMicroTime(h.clock.now()), 'stopped renewing while draining');
    finishWork();
    assert.deepEqual(await h.outcome, { reason: 'cancelled', wasLeader: true });
    assert.equal(h.leases.spec.holderIdentity, '');
    assert.equal(h.leases.spec.leaseDurationSeconds, 1);
    assert.equal(h.leases.spec.leaseTransitions, transitions);
    assert.equal(h.elector.isLeader(), false);
  });

  it('keeps the lease on shutdown when releaseOnCancel is off (a crash)', async () => {
    const h = start(undefined, { releaseOnCancel: false });
    await h.clock.advance(0);
    h.stop.abort();
    assert.deepEqual(await h.outcome, { reason: 'cancelled', wasLeader: true });
    assert.equal(h.leases.spec.holderIdentity, 'me');
    assert.equal(h.leases.spec.leaseDurationSeconds, 15);
  });

  it('reports holder changes to listeners', async () => {
    const h = start((l) => {
      l.set({ holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: 'a' });
    });
    const seen: (string | undefined)[] = [];
    h.elector.onHolderChange((holder) => seen.push(holder));
    await h.clock.advance(0);
    h.leases.set({ holderIdentity: 'third', leaseDurationSeconds: 15, renewTime: 'b' });
    await h.clock.advance(2 * seconds);
    await h.clock.advance(16 * seconds);
    assert.deepEqual(seen, ['other', 'third', 'me']);
    h.stop.abort();
    await h.outcome;
    assert.deepEqual(seen, ['other', 'third', 'me', undefined], 'a release clears the holder');
  });

  it('rejects inconsistent durations and defaults its identity to host_uuid', () => {
    const leases = new FakeLeases();
    const base = { client: leases, namespace: 'ns', name: 'lease' };
    assert.throws(
      () => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }),
      /leaseDuration/,
    );
    assert.throws(
      () => new LeaderElector({ ...base, renewDeadlineMs: 5_000, retryPeriodMs: 5_000 }),
      /renewDeadline/,
    );
    assert.match(
      new LeaderElector(base).identity,
      /^.+_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
  });

  it('formats MicroTime with six fractional digits', () => {
    assert.equal(formatMicroTime(Date.UTC(2024, 0, 2, 3, 4, 5, 67)), '2024-01-02T03:04:05.067000Z');
  });
});
