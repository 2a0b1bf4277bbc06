import assert from 'node:assert/strict';
import { after, describe, it, type TestContext } from 'node:test';
import { useTestEnvironment } from '../../testenv/env.js';
import { eventually } from '../../testenv/eventually.js';
import { CoreResources, isConflict, KubeClient, transportFromKubeConfig } from '../client/index.js';
import {
  LeaderElector,
  type LeaderElectionOutcome,
  type LeaderElectorOptions,
  type Lease,
  type LeaseClient,
  type LeaseSpec,
} from './lease.js';

const env = await useTestEnvironment();
const transport = await transportFromKubeConfig(env.kc);
const client = new KubeClient(transport, { qps: 50, burst: 100 });
after(() => {
  transport.agent.destroy();
});

// Short enough to observe expiry in a test, long enough for a slow 2-core machine.
const fast = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 };
const waitLong = { timeoutMs: 60_000, maxIntervalMs: 200 };

interface Candidate {
  readonly elector: LeaderElector;
  readonly stop: AbortController;
  readonly outcome: Promise<LeaderElectionOutcome>;
  readonly leaderSignals: AbortSignal[];
}

function campaign(t: TestContext, opts: Omit<LeaderElectorOptions, 'onStartedLeading'>): Candidate {
  const leaderSignals: AbortSignal[] = [];
  const elector = new LeaderElector({
    ...opts,
    onStartedLeading: (signal) => void leaderSignals.push(signal),
  });
  const stop = new AbortController();
  const outcome = elector.run(stop.signal);
  t.after(async () => {
    stop.abort();
    await outcome;
  });
  return { elector, stop, outcome, leaderSignals };
}

async function readLease(namespace: string, name: string): Promise<LeaseSpec> {
  return (await client.get<Lease>(CoreResources.Lease, name, namespace)).spec ?? {};
}

/** Records any moment at which two candidates both believe they lead. */
function watchForTwoLeaders(t: TestContext, candidates: readonly Candidate[]): () => number {
  let overlaps = 0;
  const timer = setInterval(() => {
    if (candidates.filter((c) => c.elector.isLeader()).length > 1) overlaps++;
  }, 20);
  t.after(() => {
    clearInterval(timer);
  });
  return () => overlaps;
}

describe('LeaderElector against the API server', () => {
  it('elects exactly one of two candidates and keeps renewing', async (t) => {
    const namespace = await env.createNamespace(t, 'lease');
    const base = { client, namespace, name: 'tide-leader-election', ...fast };
    const a = campaign(t, { ...base, identity: 'a' });
    const b = campaign(t, { ...base, identity: 'b' });
    const overlaps = watchForTwoLeaders(t, [a, b]);

    const leader = await eventually(() => {
      const leaders = [a, b].filter((c) => c.elector.isLeader());
      assert.equal(leaders.length, 1, 'expected exactly one leader');
      return leaders[0] as Candidate;
    }, waitLong);
    const follower = leader === a ? b : a;
    const first = await readLease(namespace, base.name);
    assert.equal(first.holderIdentity, leader.elector.identity);
    assert.equal(first.leaseDurationSeconds, 3);
    assert.match(first.renewTime ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);

    // Several renewals later the same instance still leads, and the follower knows it.
    let renewals = 0;
    let lastRenew = first.renewTime;
    await eventually(async () => {
      const lease = await readLease(namespace, base.name);
      assert.equal(lease.holderIdentity, leader.elector.identity);
      if (lease.renewTime !== lastRenew) renewals++;
      lastRenew = lease.renewTime;
      assert.ok(renewals >= 3, `seen ${renewals} renewals`);
    }, waitLong);
    assert.equal(follower.elector.isLeader(), false);
    assert.equal(follower.elector.currentHolder(), leader.elector.identity);
    assert.equal(follower.leaderSignals.length, 0);
    assert.equal(leader.leaderSignals.length, 1);
    assert.equal(overlaps(), 0, 'two candidates led at the same time');
  });

  it('hands over on shutdown by releasing the lease, without waiting for it to expire', async (t) => {
    const namespace = await env.createNamespace(t, 'lease');
    // A lease far longer than the wait below: only a release lets the follower in in time.
    const base = {
      client,
      namespace,
      name: 'release',
      leaseDurationMs: 120_000,
      renewDeadlineMs: 60_000,
      retryPeriodMs: 500,
    };
    const a = campaign(t, { ...base, identity: 'a' });
    await eventually(() => {
      assert.equal(a.elector.isLeader(), true, 'a does not lead yet');
    }, waitLong);
    const b = campaign(t, { ...base, identity: 'b' });
    await eventually(() => {
      assert.equal(b.elector.currentHolder(), 'a');
    }, waitLong);
    const before = await readLease(namespace, base.name);

    a.stop.abort();
    assert.deepEqual(await a.outcome, { reason: 'cancelled', wasLeader: true });
    assert.equal(a.leaderSignals[0]?.aborted, true);

    await eventually(
      () => {
        assert.ok(b.elector.isLeader(), 'b did not take over');
      },
      { timeoutMs: 45_000 },
    );
    const lease = await readLease(namespace, base.name);
    assert.equal(lease.holderIdentity, 'b');
    assert.equal(lease.leaseDurationSeconds, 120);
    assert.equal(lease.leaseTransitions, (before.leaseTransitions ?? 0) + 1);
  });

  it('replaces a leader that stops renewing without releasing, once the lease expires', async (t) => {
    const namespace = await env.createNamespace(t, 'lease');
    const base = { client, namespace, name: 'crash', ...fast };
    const a = campaign(t, { ...base, identity: 'a', releaseOnCancel: false });
    await eventually(() => {
      assert.equal(a.elector.isLeader(), true, 'a does not lead yet');
    }, waitLong);
    const b = campaign(t, { ...base, identity: 'b' });
    await eventually(() => {
      assert.equal(b.elector.currentHolder(), 'a');
    }, waitLong);

    // A crash: the loop ends and nothing is written.
    a.stop.abort();
    await a.outcome;
    const orphaned = await readLease(namespace, base.name);
    assert.equal(orphaned.holderIdentity, 'a', 'a crashed leader must not release');
    assert.equal(b.elector.isLeader(), false, 'b took a lease that had not expired');

    await eventually(() => {
      assert.ok(b.elector.isLeader(), 'b did not take over the expired lease');
    }, waitLong);
    const lease = await readLease(namespace, base.name);
    assert.equal(lease.holderIdentity, 'b');
    assert.equal(lease.leaseTransitions, (orphaned.leaseTransitions ?? 0) + 1);
  });

  it('lets exactly one of two simultaneous writers win; the other gets a conflict', async (t) => {
    const namespace = await env.createNamespace(t, 'lease');
    const name = 'race';
    // A released lease: both candidates may take it, and both read it before either writes.
    await client.create<Lease>(CoreResources.Lease, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace },
      spec: { holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 0 },
    });
    let arrived = 0;
    let openGate = (): void => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let conflicts = 0;
    const racing = (): LeaseClient => {
      let first = true;
      return {
        get: (res, n, ns, signal) => client.get(res, n, ns, signal),
        create: (res, obj, signal) => client.create(res, obj, signal),
        replace: async (res, obj, signal) => {
          if (first) {
            first = false;
            if (++arrived === 2) openGate();
            await gate;
          }
          try {
            return await client.replace(res, obj, signal);
          } catch (err) {
            if (isConflict(err)) conflicts++;
            throw err;
          }
        },
      };
    };
    const base = { namespace, name, ...fast };
    const a = campaign(t, { ...base, client: racing(), identity: 'a' });
    const b = campaign(t, { ...base, client: racing(), identity: 'b' });
    const overlaps = watchForTwoLeaders(t, [a, b]);

    const leader = await eventually(() => {
      const leaders = [a, b].filter((c) => c.elector.isLeader());
      assert.equal(leaders.length, 1);
      return leaders[0] as Candidate;
    }, waitLong);
    // The loser's request may still be in flight when the winner is seen leading.
    await eventually(() => {
      assert.equal(conflicts, 1, 'the two first writes should have raced');
    });
    const lease = await readLease(namespace, name);
    assert.equal(lease.holderIdentity, leader.elector.identity);
    assert.equal(lease.leaseTransitions, 1);
    // The loser keeps campaigning but stays a follower while the winner renews.
    const loser = leader === a ? b : a;
    await eventually(async () => {
      const now = await readLease(namespace, name);
      assert.notEqual(now.renewTime, lease.renewTime, 'no renewal yet');
    }, waitLong);
    assert.equal(loser.elector.isLeader(), false);
    assert.equal(loser.leaderSignals.length, 0);
    assert.equal(overlaps(), 0, 'two candidates led at the same time');
  });
});
