import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../api/object.js';
import { ensureBinary } from '../../localcluster/binary.js';
import { startLocalCluster, type LocalCluster } from '../../localcluster/cluster.js';
import { defaultCacheDir } from '../../localcluster/defaults.js';
import { newTestEnvironment, useTestEnvironment, type TestEnvironment } from '../../testenv/env.js';
import { eventually } from '../../testenv/eventually.js';
import { connect } from '../client/connect.js';
import { CoreResources } from '../client/resource.js';
import { Informer, type InformerEvent } from './informer.js';

// Every namespace gets this ConfigMap; keep it out of the event sequences.
const IGNORE_ROOT_CA = 'metadata.name!=kube-root-ca.crt';

type ConfigMap = KubeObject & { data?: Record<string, string> };

function configMap(
  namespace: string,
  name: string,
  data: Record<string, string> = {},
  labels = {},
): ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data };
}

describe('informer', () => {
  let env: TestEnvironment;
  before(async () => {
    env = await useTestEnvironment();
  });

  it('lists, then reports adds, updates and deletes; indexes stay current; managedFields are dropped', async (t) => {
    const ns = await env.createNamespace(t);
    const client = await connect(env.kc);
    await client.create(CoreResources.ConfigMap, configMap(ns, 'before', { team: 'a' }));
    const informer = new Informer<ConfigMap>({
      client,
      resource: CoreResources.ConfigMap,
      namespace: ns,
      fieldSelector: IGNORE_ROOT_CA,
    });
    informer.addIndexer('team', (cm) => (cm.data?.['team'] === undefined ? [] : [cm.data['team']]));
    const events: string[] = [];
    informer.onEvent((e) => events.push(`${e.type}:${e.object.metadata.name}`));
    const stop = new AbortController();
    t.after(() => {
      stop.abort();
    });
    const running = informer.run(stop.signal);
    await informer.waitForSync();
    assert.deepEqual(events, ['add:before']);
    assert.equal(informer.store.get(`${ns}/before`)?.metadata.managedFields, undefined);

    await client.create(CoreResources.ConfigMap, configMap(ns, 'later', { team: 'b' }));
    await client.patch(CoreResources.ConfigMap, { name: 'before', namespace: ns }, { data: { team: 'b' } });
    await client.delete(CoreResources.ConfigMap, { name: 'later', namespace: ns });
    await eventually(() => {
      assert.deepEqual(events, ['add:before', 'add:later', 'update:before', 'delete:later']);
    });
    assert.deepEqual(
      informer.store.byIndex('team', 'b').map((c) => c.metadata.name),
      ['before'],
    );
    assert.deepEqual(informer.store.byIndex('team', 'a'), []);
    stop.abort();
    await running;
  });

  it('watches metadata only and filters by label selector (sharding)', async (t) => {
    const ns = await env.createNamespace(t);
    const client = await connect(env.kc);
    await client.create(
      CoreResources.ConfigMap,
      configMap(ns, 'mine', { big: 'x'.repeat(1000) }, { 'sharding.fluxcd.io/key': 'shard1' }),
    );
    await client.create(
      CoreResources.ConfigMap,
      configMap(ns, 'other', {}, { 'sharding.fluxcd.io/key': 'shard2' }),
    );
    await client.create(CoreResources.ConfigMap, configMap(ns, 'unsharded'));
    const informer = new Informer<ConfigMap>({
      client,
      resource: CoreResources.ConfigMap,
      namespace: ns,
      metadataOnly: true,
      labelSelector: 'sharding.fluxcd.io/key in (shard1)',
    });
    const stop = new AbortController();
    t.after(() => {
      stop.abort();
    });
    const running = informer.run(stop.signal);
    await informer.waitForSync();
    assert.deepEqual(
      informer.store.list().map((c) => c.metadata.name),
      ['mine'],
    );
    const cached = informer.store.get(`${ns}/mine`);
    assert.equal(cached?.data, undefined, 'metadata-only cache holds no data');
    assert.equal(cached?.kind, 'ConfigMap');
    await client.patch(
      CoreResources.ConfigMap,
      { name: 'mine', namespace: ns },
      { metadata: { labels: { x: 'y' } } },
    );
    await eventually(() => {
      assert.equal(informer.store.get(`${ns}/mine`)?.metadata.labels?.['x'], 'y');
    });
    stop.abort();
    await running;
  });
});

describe('informer across an apiserver restart', () => {
  let cluster: LocalCluster;
  let env: TestEnvironment;
  before(async () => {
    const binary = await ensureBinary({ cacheDir: defaultCacheDir(process.env) });
    cluster = await startLocalCluster({ binary: binary.path });
    env = newTestEnvironment(cluster.kubeconfig);
  });
  after(async () => {
    await cluster.stop();
  });

  it('resumes the watch and misses no update made while the apiserver was down', async (t) => {
    const ns = await env.createNamespace(t);
    const client = await connect(env.kc);
    await client.create(CoreResources.ConfigMap, configMap(ns, 'watched', { v: '0' }));
    const informer = new Informer<ConfigMap>({
      client,
      resource: CoreResources.ConfigMap,
      namespace: ns,
      fieldSelector: IGNORE_ROOT_CA,
      minBackoffMs: 100,
      maxBackoffMs: 1000,
    });
    const seen: InformerEvent<ConfigMap>[] = [];
    informer.onEvent((e) => seen.push(e));
    const stop = new AbortController();
    const running = informer.run(stop.signal);
    await informer.waitForSync();
    await client.patch(CoreResources.ConfigMap, { name: 'watched', namespace: ns }, { data: { v: '1' } });
    await eventually(() => {
      assert.equal(informer.store.get(`${ns}/watched`)?.data?.['v'], '1');
    });

    await cluster.restartApiServer();
    // A second client: the change is made right after the restart, before the informer reconnects.
    const other = await connect(env.kc);
    await eventually(() =>
      other.patch(CoreResources.ConfigMap, { name: 'watched', namespace: ns }, { data: { v: '2' } }),
    );
    await other.create(CoreResources.ConfigMap, configMap(ns, 'created-after-restart'));

    await eventually(
      () => {
        assert.equal(informer.store.get(`${ns}/watched`)?.data?.['v'], '2');
        assert.ok(
          informer.store.get(`${ns}/created-after-restart`),
          'expected: informer.store.get(`${ns}/created-after-restart`)',
        );
      },
      { timeoutMs: 60_000 },
    );
    // The restarted apiserver's watch cache starts at the current revision, so the
    // resumed watch is answered 410 Gone and the informer must relist.
    assert.ok(informer.stats.relistsAfterGone >= 1, JSON.stringify(informer.stats));
    assert.ok(informer.stats.watches >= 2, 'the watch was re-established');
    const updates = seen.filter((e) => e.type === 'update').map((e) => e.object.data?.['v']);
    assert.deepEqual(updates, ['1', '2']);
    stop.abort();
    await running;
  });
});
