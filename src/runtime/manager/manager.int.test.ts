// Managers as separate processes: leader election, takeover after a crash, SIGTERM
// mid-reconcile, sharding and the metrics/health endpoints.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { useTestEnvironment } from '../../testenv/env.js';
import { eventually } from '../../testenv/eventually.js';
import { connect } from '../client/connect.js';
import { isNotFound } from '../client/errors.js';
import { CoreResources } from '../client/resource.js';
import type { Lease } from '../leader/lease.js';

const env = await useTestEnvironment();
const here = path.dirname(fileURLToPath(import.meta.url));
const LEASE = 'test-manager-leader-election';

interface Line {
  event: string;
  pid: number;
  key?: string;
  reason?: string;
  metricsUrl?: string;
  healthUrl?: string;
}

interface ManagerProcess {
  readonly child: ChildProcess;
  readonly lines: Line[];
  readonly exited: Promise<number | null>;
  reconciled(): string[];
}

function startManager(
  t: { after(fn: () => unknown): void },
  namespace: string,
  extra: string[] = [],
): ManagerProcess {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(here, 'testdata', 'test-manager.ts'),
      '--namespace',
      namespace,
      '--kubeconfig',
      env.kubeconfigPath,
      '--metrics-addr',
      '127.0.0.1:0',
      '--health-addr',
      '127.0.0.1:0',
      '--log-level',
      'error',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines: Line[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => {
    try {
      lines.push(JSON.parse(l) as Line);
    } catch {
      // not ours
    }
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
    }),
  );
  t.after(() => {
    child.kill('SIGKILL');
    return exited;
  });
  return {
    child,
    lines,
    exited,
    reconciled: () => lines.filter((l) => l.event === 'reconcile-done').map((l) => l.key ?? ''),
  };
}

const electionFlags = [
  '--enable-leader-election',
  '--leader-election-lease-duration',
  '4s',
  '--leader-election-renew-deadline',
  '3s',
  '--leader-election-retry-period',
  '500ms',
];

async function createConfigMaps(namespace: string, names: string[], labels: Record<string, string> = {}) {
  const client = await connect(env.kc);
  for (const name of names) {
    await client.create(CoreResources.ConfigMap, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace, labels },
    });
  }
  return client;
}

async function leaseHolder(namespace: string): Promise<string | undefined> {
  const client = await connect(env.kc);
  try {
    const lease = await client.get<Lease>(CoreResources.Lease, LEASE, namespace);
    return lease.spec?.holderIdentity;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

describe('manager', () => {
  it('with leader election only one of two managers reconciles; the other takes over after the leader is killed', async (t) => {
    const ns = await env.createNamespace(t);
    await createConfigMaps(ns, ['a', 'b', 'c']);
    const first = startManager(t, ns, electionFlags);
    const second = startManager(t, ns, electionFlags);
    const managers = [first, second];
    const leader = await eventually(
      () => {
        const active = managers.filter((m) => m.reconciled().length === 3);
        assert.equal(active.length, 1, 'exactly one manager reconciled everything');
        const [only] = active;
        if (only === undefined) throw new Error('no leader');
        return only;
      },
      { timeoutMs: 60_000 },
    );
    const follower = leader === first ? second : first;
    const holder = await leaseHolder(ns);
    assert.match(holder ?? '', new RegExp(`_${leader.child.pid}_`), `lease held by ${holder}`);
    // The follower stays idle while the leader renews.
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(follower.reconciled(), []);

    const killedAt = performance.now();
    leader.child.kill('SIGKILL');
    await eventually(
      () => {
        assert.equal(follower.reconciled().length, 3);
      },
      { timeoutMs: 30_000 },
    );
    const takeoverMs = performance.now() - killedAt;
    // Lease 4s; the follower acquires within leaseDuration + one jittered retry period
    // (≤ 1.1s) and then syncs its cache and reconciles.
    assert.ok(takeoverMs < 4000 + 1100 + 3000, `takeover took ${Math.round(takeoverMs)} ms`);
    assert.match((await leaseHolder(ns)) ?? '', new RegExp(`_${follower.child.pid}_`));
  });

  it('on SIGTERM finishes the in-flight reconcile, releases the lease and exits 0', async (t) => {
    const ns = await env.createNamespace(t);
    const manager = startManager(t, ns, [
      ...electionFlags,
      '--reconcile-delay',
      '2000',
      '--graceful-shutdown-timeout',
      '30s',
    ]);
    await eventually(
      async () => {
        assert.match((await leaseHolder(ns)) ?? '', new RegExp(`_${manager.child.pid}_`));
      },
      {
        timeoutMs: 30_000,
      },
    );
    await createConfigMaps(ns, ['slow']);
    await eventually(() => {
      assert.ok(
        manager.lines.some((l) => l.event === 'reconcile-start'),
        'no reconcile started',
      );
    });
    manager.child.kill('SIGTERM');
    assert.equal(await manager.exited, 0);
    const events = manager.lines.map((l) => l.event);
    assert.ok(events.indexOf('reconcile-done') > events.indexOf('sigterm'), `events: ${events.join(',')}`);
    assert.equal(await leaseHolder(ns), '', 'the lease was released');
  });

  it('reconciles only its shard and serves /metrics, /healthz and /readyz', async (t) => {
    const ns = await env.createNamespace(t);
    await createConfigMaps(ns, ['mine-1', 'mine-2'], { 'sharding.fluxcd.io/key': 'shard1' });
    await createConfigMaps(ns, ['theirs'], { 'sharding.fluxcd.io/key': 'shard2' });
    await createConfigMaps(ns, ['unsharded']);
    const manager = startManager(t, ns, ['--watch-label-selector', 'sharding.fluxcd.io/key in (shard1)']);
    await eventually(
      () => {
        assert.deepEqual(manager.reconciled().sort(), [`${ns}/mine-1`, `${ns}/mine-2`]);
      },
      {
        timeoutMs: 30_000,
      },
    );
    const listening = manager.lines.find((l) => l.event === 'listening');
    assert.ok(
      listening?.metricsUrl !== undefined && listening.healthUrl !== undefined,
      'no endpoints reported',
    );
    const metrics = await (await fetch(`${listening.metricsUrl}/metrics`)).text();
    assert.match(
      metrics,
      new RegExp(
        `gotk_reconcile_duration_seconds_bucket\\{le="0.01",kind="ConfigMap",name="mine-1",namespace="${ns}"\\}`,
      ),
    );
    assert.match(metrics, /controller_runtime_reconcile_total\{controller="configmaps",result="success"\} 2/);
    assert.match(metrics, /workqueue_adds_total\{name="configmaps"\} 2/);
    assert.match(metrics, /tide_event_loop_delay_seconds\{quantile="0.99"\}/);
    assert.equal((await fetch(`${listening.healthUrl}/healthz`)).status, 200);
    await eventually(async () => {
      assert.equal((await fetch(`${listening.healthUrl}/readyz`)).status, 200);
    });
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(manager.reconciled().sort(), [`${ns}/mine-1`, `${ns}/mine-2`], 'other shards untouched');
  });
});
