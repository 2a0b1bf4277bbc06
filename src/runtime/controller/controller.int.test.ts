import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { objectKey, type KubeObject } from '../../api/object.js';
import { useTestEnvironment } from '../../testenv/env.js';
import { eventually } from '../../testenv/eventually.js';
import { Informer } from '../cache/informer.js';
import { connect } from '../client/connect.js';
import { CoreResources } from '../client/resource.js';
import { sleep } from '../client/rate-limiter.js';
import { Controller, done, type Request } from './controller.js';

const env = await useTestEnvironment();
const IGNORE_ROOT_CA = 'metadata.name!=kube-root-ca.crt';
type ConfigMap = KubeObject & { data?: Record<string, string> };

function configMap(namespace: string, name: string, data: Record<string, string>): ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

async function startController(
  t: { after(fn: () => unknown): void },
  namespace: string,
  opts: {
    reconcile: (req: Request) => Promise<void>;
    concurrency?: number;
    backoff?: { baseMs: number; maxMs: number };
  },
  observer?: { retried(key: string, delay: number): void },
) {
  const client = await connect(env.kc, { qps: 500, burst: 500 });
  const informer = new Informer<ConfigMap>({
    client,
    resource: CoreResources.ConfigMap,
    namespace,
    fieldSelector: IGNORE_ROOT_CA,
  });
  const controller = new Controller({
    name: 'test',
    concurrency: opts.concurrency ?? 4,
    ...(opts.backoff === undefined ? {} : { backoff: opts.backoff }),
    ...(observer === undefined ? {} : { queueObserver: observer }),
    reconciler: {
      reconcile: async (req) => {
        await opts.reconcile(req);
        return done;
      },
    },
  });
  controller.watchPrimary(informer);
  const stop = new AbortController();
  const informerRun = informer.run(stop.signal);
  await informer.waitForSync();
  const controllerRun = controller.run(stop.signal);
  t.after(async () => {
    stop.abort();
    await Promise.all([informerRun, controllerRun]);
  });
  return { client, informer, controller };
}

describe('controller', () => {
  it('reconciles each of 1,000 objects once per change, never one key twice at once', async (t) => {
    const ns = await env.createNamespace(t);
    const setup = await connect(env.kc, { qps: 500, burst: 500 });
    const names = Array.from({ length: 1000 }, (_, i) => `cm-${i}`);
    await Promise.all(names.map((n) => setup.create(CoreResources.ConfigMap, configMap(ns, n, { v: '0' }))));
    const counts = new Map<string, number>();
    const running = new Set<string>();
    let overlaps = 0;
    await startController(t, ns, {
      concurrency: 8,
      reconcile: async (req) => {
        const key = objectKey(req);
        if (running.has(key)) overlaps++;
        running.add(key);
        await sleep(1);
        counts.set(key, (counts.get(key) ?? 0) + 1);
        running.delete(key);
      },
    });
    await eventually(
      () => {
        assert.equal(counts.size, 1000);
      },
      { timeoutMs: 60_000 },
    );
    assert.deepEqual(
      new Set(counts.values()),
      new Set([1]),
      'each object reconciled exactly once after start',
    );

    await Promise.all(
      names.map((n) =>
        setup.patch(CoreResources.ConfigMap, { name: n, namespace: ns }, { data: { v: '1' } }),
      ),
    );
    // (assert.ok always gets a message: without one Node re-parses the transpiled source, which is slow.)
    await eventually(
      () => {
        assert.ok(
          [...counts.values()].every((c) => c === 2),
          'not every object reconciled twice yet',
        );
      },
      { timeoutMs: 60_000 },
    );
    await sleep(500);
    assert.deepEqual(new Set(counts.values()), new Set([2]), 'each change reconciled exactly once');
    assert.equal(overlaps, 0);
  });

  it('coalesces 100 rapid updates to one object into few reconciles that see the latest state', async (t) => {
    const ns = await env.createNamespace(t);
    const seen: string[] = [];
    const { client, informer } = await startController(t, ns, {
      reconcile: async (req) => {
        // Slower than an update, so updates arriving meanwhile must coalesce.
        await sleep(250);
        seen.push(informer.store.get(objectKey(req))?.data?.['v'] ?? 'missing');
      },
    });
    await client.create(CoreResources.ConfigMap, configMap(ns, 'hot', { v: '0' }));
    const started = performance.now();
    for (let i = 1; i <= 100; i++) {
      await client.patch(CoreResources.ConfigMap, { name: 'hot', namespace: ns }, { data: { v: String(i) } });
    }
    const patchMs = performance.now() - started;
    await eventually(
      () => {
        assert.equal(seen.at(-1), '100');
      },
      { timeoutMs: 30_000 },
    );
    await sleep(600);
    // At most one reconcile per 250 ms of updates, plus the one running and the final one.
    const bound = Math.ceil(patchMs / 250) + 3;
    assert.ok(
      seen.length <= bound && seen.length < 50,
      `${seen.length} reconciles for 101 changes in ${Math.round(patchMs)} ms`,
    );
    assert.equal(seen.at(-1), '100');
  });

  it('backs off a failing reconcile exponentially up to the cap, and resets after success', async (t) => {
    const ns = await env.createNamespace(t);
    const delays: number[] = [];
    const attempts: number[] = [];
    let failUntil = 8;
    let successes = 0;
    const { client } = await startController(
      t,
      ns,
      {
        backoff: { baseMs: 40, maxMs: 320 },
        reconcile: async () => {
          attempts.push(performance.now());
          if (attempts.length <= failUntil) throw new Error('boom');
          successes++;
          await Promise.resolve();
        },
      },
      { retried: (_key, delay) => delays.push(delay) },
    );
    await client.create(CoreResources.ConfigMap, configMap(ns, 'failing', { v: '0' }));
    await eventually(
      () => {
        assert.equal(successes, 1);
      },
      { timeoutMs: 30_000 },
    );
    assert.equal(attempts.length, 9);
    assert.deepEqual(delays, [40, 80, 160, 320, 320, 320, 320, 320]);
    for (let i = 1; i < attempts.length; i++) {
      const gap = (attempts[i] ?? 0) - (attempts[i - 1] ?? 0);
      assert.ok(
        gap >= (delays[i - 1] ?? 0) - 5,
        `attempt ${i} came after ${gap.toFixed(0)} ms, before its backoff`,
      );
    }
    // After a success the failure count is forgotten: the next failure starts at the base again.
    failUntil = Infinity;
    await client.patch(CoreResources.ConfigMap, { name: 'failing', namespace: ns }, { data: { v: '1' } });
    // Later failures keep backing off, so look at the first delay after the success.
    await eventually(() => {
      assert.equal(delays[8], 40, 'the first failure after a success starts at the base delay');
    });
  });
});
