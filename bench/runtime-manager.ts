// Controller runtime figures: memory of an idle manager watching every Flux kind, the
// same with 1,000 cached objects per kind, and work-queue throughput of a no-op
// reconciler (in-process, and end to end from an informer over 1,000 ConfigMaps).
// Usage: node --expose-gc --import tsx bench/runtime-manager.ts [objectsPerKind=1000]
// Uses $KUBECONFIG when set, otherwise starts a local cluster.
import path from 'node:path';
import { storageVersion } from '../src/api/crd.js';
import { loadCorpus } from '../src/api/corpus.js';
import { allKinds } from '../src/api/kinds.js';
import { objectKey } from '../src/api/object.js';
import { ensureBinary } from '../src/localcluster/binary.js';
import { startLocalCluster } from '../src/localcluster/cluster.js';
import { defaultCacheDir } from '../src/localcluster/defaults.js';
import { connect } from '../src/runtime/client/connect.js';
import { CoreResources, type ResourceType } from '../src/runtime/client/resource.js';
import { Controller, done } from '../src/runtime/controller/controller.js';
import { Informer } from '../src/runtime/cache/informer.js';
import { newTestEnvironment } from '../src/testenv/env.js';

const perKind = Number(process.argv[2] ?? 1000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

function memory(): { rssMiB: number; heapMiB: number } {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { rssMiB: m.rss / 2 ** 20, heapMiB: m.heapUsed / 2 ** 20 };
}
const fmt = (m: { rssMiB: number; heapMiB: number }) =>
  `rss ${m.rssMiB.toFixed(0)} MiB, heap ${m.heapMiB.toFixed(0)} MiB`;

let kubeconfig = process.env['KUBECONFIG'];
let stopCluster: (() => Promise<void>) | undefined;
if (kubeconfig === undefined || kubeconfig === '') {
  const binary = await ensureBinary({ cacheDir: defaultCacheDir(process.env) });
  const cluster = await startLocalCluster({ binary: binary.path });
  kubeconfig = cluster.kubeconfig;
  stopCluster = () => cluster.stop();
}
const env = newTestEnvironment(kubeconfig);
await env.installCRDs(path.resolve(import.meta.dirname, '..', 'config', 'crd'));
const client = await connect(env.kc, { qps: 1000, burst: 1000 });
const ns = `bench-${Date.now().toString(36)}`;
await client.create(CoreResources.Namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });

const resources: ResourceType[] = allKinds.map((k) => ({
  group: k.group,
  version: storageVersion(k).name,
  plural: k.plural,
  kind: k.kind,
  namespaced: true,
}));

async function runInformers(): Promise<{ stop: () => Promise<void>; informers: Informer[] }> {
  const abort = new AbortController();
  const informers = resources.map((resource) => new Informer({ client, resource, namespace: ns }));
  const runs = informers.map((i) => i.run(abort.signal));
  await Promise.all(informers.map((i) => i.waitForSync()));
  return {
    informers,
    stop: async () => {
      abort.abort();
      await Promise.all(runs);
    },
  };
}

try {
  const baseline = memory();
  console.log(`process baseline: ${fmt(baseline)}`);
  const idle = await runInformers();
  await new Promise((r) => setTimeout(r, 1000));
  const idleMemory = memory();
  console.log(`idle manager, ${resources.length} kinds watched, 0 objects: ${fmt(idleMemory)}`);
  await idle.stop();

  const started = performance.now();
  for (const [i, kind] of allKinds.entries()) {
    const resource = resources[i];
    if (resource === undefined) throw new Error('kinds and resources differ');
    const sample = (await loadCorpus(kind, 'valid')).find(
      (m) => m.object.apiVersion === `${resource.group}/${resource.version}`,
    );
    if (sample === undefined) throw new Error(`no sample for ${kind.kind}`);
    const batch = Array.from({ length: perKind }, (_, n) => n);
    for (let at = 0; at < batch.length; at += 100) {
      await Promise.all(
        batch
          .slice(at, at + 100)
          .map((n) =>
            client.create(resource, { ...sample.object, metadata: { name: `obj-${n}`, namespace: ns } }),
          ),
      );
    }
  }
  console.log(
    `created ${perKind * resources.length} objects in ${((performance.now() - started) / 1000).toFixed(1)}s`,
  );
  const full = await runInformers();
  const fullMemory = memory();
  const cached = full.informers.reduce((n, i) => n + i.store.size, 0);
  console.log(`manager with ${cached} cached objects (${perKind} per kind): ${fmt(fullMemory)}`);
  console.log(
    `  → ${(((fullMemory.heapMiB - idleMemory.heapMiB) * 1024) / cached).toFixed(2)} KiB heap per cached object`,
  );
  await full.stop();

  // In-process queue throughput: 100,000 keys through a no-op reconciler, 4 workers.
  {
    const keys = 100_000;
    let handled = 0;
    const controller = new Controller({
      name: 'noop',
      concurrency: 4,
      reconciler: {
        reconcile: () => {
          handled++;
          return Promise.resolve(done);
        },
      },
    });
    const abort = new AbortController();
    const t0 = performance.now();
    for (let k = 0; k < keys; k++) controller.enqueue({ namespace: 'ns', name: `k${k}` });
    const run = controller.run(abort.signal);
    while (handled < keys) await new Promise((r) => setImmediate(r));
    const seconds = (performance.now() - t0) / 1000;
    abort.abort();
    await run;
    console.log(
      `queue: ${keys} keys through a no-op reconciler in ${seconds.toFixed(2)}s = ${Math.round(keys / seconds)} reconciles/s`,
    );
  }

  // End to end: informer over 1,000 ConfigMaps → controller, from start to all reconciled.
  {
    const n = 1000;
    for (let at = 0; at < n; at += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          client.create(CoreResources.ConfigMap, {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: `cm-${at + j}`, namespace: ns },
          }),
        ),
      );
    }
    const seen = new Set<string>();
    const informer = new Informer({
      client,
      resource: CoreResources.ConfigMap,
      namespace: ns,
      fieldSelector: 'metadata.name!=kube-root-ca.crt',
    });
    const controller = new Controller({
      name: 'e2e',
      concurrency: 4,
      reconciler: {
        reconcile: (req) => {
          seen.add(objectKey(req));
          return Promise.resolve(done);
        },
      },
    });
    controller.watchPrimary(informer);
    const abort = new AbortController();
    const t0 = performance.now();
    const runs = [informer.run(abort.signal), controller.run(abort.signal)];
    while (seen.size < n) await new Promise((r) => setTimeout(r, 5));
    const seconds = (performance.now() - t0) / 1000;
    abort.abort();
    await Promise.all(runs);
    console.log(
      `end to end: list + ${n} reconciles in ${seconds.toFixed(2)}s = ${Math.round(n / seconds)} objects/s`,
    );
  }
} finally {
  await client.delete(CoreResources.Namespace, { name: ns }).catch(() => undefined);
  await stopCluster?.();
}
