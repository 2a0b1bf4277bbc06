// The main path: a kustomize overlay (Deployment, Service, ConfigMap) from git is applied
// and becomes healthy; a new commit is applied as soon as its artifact exists; a removed
// file is pruned; drift is reverted; prune-disabled objects survive; the finalizer's
// deletionPolicy decides what deletion removes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../../api/object.js';
import { CoreResources, type ResourceType } from '../../../runtime/client/resource.js';
import { eventually } from '../../../testenv/eventually.js';
import {
  condition,
  getOrUndefined,
  gitSource,
  isReadyAt,
  kustomization,
  readKustomization,
  startKustomizeHarness,
  waitKustomization,
  type KustomizeHarness,
} from '../testdata/harness.js';
import { readGitRepository } from '../../source/testdata/harness.js';
import { Kustomizations } from './resources.js';

const Deployments: ResourceType = {
  group: 'apps',
  version: 'v1',
  plural: 'deployments',
  kind: 'Deployment',
  namespaced: true,
};
const Services: ResourceType = {
  group: '',
  version: 'v1',
  plural: 'services',
  kind: 'Service',
  namespaced: true,
};

let h: KustomizeHarness;
before(async () => {
  h = await startKustomizeHarness();
});
after(async () => {
  await h.stop();
});

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
`;
const service = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80}]
`;
const configMap = (value: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  greeting: ${value}
`;
const keep = `apiVersion: v1
kind: ConfigMap
metadata:
  name: keep
  annotations:
    kustomize.toolkit.fluxcd.io/prune: disabled
data: {a: b}
`;

function files(extra: Record<string, string | null> = {}): Record<string, string | null> {
  return {
    'base/deployment.yaml': deployment,
    'base/service.yaml': service,
    'base/configmap.yaml': configMap('hello'),
    'base/keep.yaml': keep,
    'base/kustomization.yaml': 'resources: [deployment.yaml, service.yaml, configmap.yaml, keep.yaml]\n',
    'overlay/kustomization.yaml': 'resources: [../base]\ncommonLabels: {env: test}\n',
    ...extra,
  };
}

describe('Kustomization lifecycle', () => {
  it('applies an overlay, follows new commits, prunes, reverts drift and keeps prune-disabled objects', async (t) => {
    const ns = await h.env.createNamespace(t);
    const repo = await gitSource(h, ns, 'repo', files() as Record<string, string>);
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'app', { path: './overlay', targetNamespace: ns, wait: true, timeout: '60s' }),
    );
    const source = await readGitRepository(h.client, ns, 'repo');
    const revision = source.status?.artifact?.revision ?? '';
    const ks = await waitKustomization(h.client, ns, 'app', isReadyAt(revision));
    assert.equal(condition(ks, 'Healthy')?.status, 'True');
    assert.equal(ks.status?.lastAttemptedRevision, revision);
    assert.match(condition(ks, 'Ready')?.message ?? '', /^Applied revision: main@sha1:[0-9a-f]{40}$/);
    assert.deepEqual(ks.status.inventory?.entries.map((e) => `${e.id}/${e.v}`).sort(), [
      `${ns}_keep__ConfigMap/v1`,
      `${ns}_settings__ConfigMap/v1`,
      `${ns}_web__Service/v1`,
      `${ns}_web_apps_Deployment/v1`,
    ]);
    const deploy = await h.client.get<KubeObject<unknown, { availableReplicas?: number }>>(
      Deployments,
      'web',
      ns,
    );
    assert.equal(deploy.status?.availableReplicas, 1);
    assert.equal(deploy.metadata.labels?.['kustomize.toolkit.fluxcd.io/name'], 'app');
    assert.equal(deploy.metadata.labels['kustomize.toolkit.fluxcd.io/namespace'], ns);
    assert.equal(deploy.metadata.labels.env, 'test');
    const [latest] = ks.status.history ?? [];
    assert.equal(latest?.lastReconciledStatus, 'ReconciliationSucceeded');
    assert.equal(latest.metadata?.revision, revision);

    // A new commit is applied as soon as the source has its artifact (interval is 10m).
    const started = Date.now();
    const second = await repo.commit({ 'base/configmap.yaml': configMap('changed') });
    await eventually(
      async () => {
        const cm = await h.client.get<
          { data?: Record<string, string> } & { apiVersion: string; kind: string; metadata: { name: string } }
        >(CoreResources.ConfigMap, 'settings', ns);
        assert.equal(cm.data?.greeting, 'changed');
      },
      { timeoutMs: 30_000 },
    );
    t.diagnostic(`commit → applied in ${Date.now() - started} ms`);
    await waitKustomization(h.client, ns, 'app', isReadyAt(`main@sha1:${second}`));

    // Removing files prunes the object, except the prune-disabled one.
    const third = await repo.commit({
      'base/service.yaml': null,
      'base/keep.yaml': null,
      'base/kustomization.yaml': 'resources: [deployment.yaml, configmap.yaml]\n',
    });
    const pruned = await waitKustomization(h.client, ns, 'app', isReadyAt(`main@sha1:${third}`));
    assert.equal(await getOrUndefined(() => h.client.get(Services, 'web', ns)), undefined);
    assert.notEqual(await getOrUndefined(() => h.client.get(CoreResources.ConfigMap, 'keep', ns)), undefined);
    assert.equal(pruned.status?.inventory?.entries.length, 2);

    // Drift on a managed field made by someone else is reverted on the next reconcile.
    await h.client.patch(
      CoreResources.ConfigMap,
      { name: 'settings', namespace: ns },
      { data: { greeting: 'edited' } },
      { type: 'merge' },
    );
    const token = new Date().toISOString();
    await h.client.patch(
      Kustomizations,
      { name: 'app', namespace: ns },
      { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } } },
      { type: 'merge' },
    );
    await eventually(
      async () => {
        const cm = await h.client.get<
          { data?: Record<string, string> } & { apiVersion: string; kind: string; metadata: { name: string } }
        >(CoreResources.ConfigMap, 'settings', ns);
        assert.equal(cm.data?.greeting, 'changed');
      },
      { timeoutMs: 30_000 },
    );
    const after = await readKustomization(h.client, ns, 'app');
    assert.equal(after.status?.lastHandledReconcileAt, token);

    // Deleting the Kustomization (prune: true → MirrorPrune) deletes what it applied.
    await h.client.delete(Kustomizations, { name: 'app', namespace: ns });
    await eventually(
      async () => {
        assert.equal(await getOrUndefined(() => readKustomization(h.client, ns, 'app')), undefined);
      },
      { timeoutMs: 30_000 },
    );
    assert.equal(
      await getOrUndefined(() => h.client.get(CoreResources.ConfigMap, 'settings', ns)),
      undefined,
    );
    assert.notEqual(await getOrUndefined(() => h.client.get(CoreResources.ConfigMap, 'keep', ns)), undefined);
  });

  it('keeps applied objects when deletionPolicy is Orphan', async (t) => {
    const ns = await h.env.createNamespace(t);
    await gitSource(h, ns, 'repo', { 'cm.yaml': configMap('orphan') });
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'orphan', { targetNamespace: ns, deletionPolicy: 'Orphan' }),
    );
    await waitKustomization(h.client, ns, 'orphan', isReadyAt());
    await h.client.delete(Kustomizations, { name: 'orphan', namespace: ns });
    await eventually(
      async () => {
        assert.equal(await getOrUndefined(() => readKustomization(h.client, ns, 'orphan')), undefined);
      },
      { timeoutMs: 30_000 },
    );
    assert.notEqual(
      await getOrUndefined(() => h.client.get(CoreResources.ConfigMap, 'settings', ns)),
      undefined,
    );
  });

  it('deletes applied objects with deletionPolicy Delete even without prune, and waits with WaitForTermination', async (t) => {
    const ns = await h.env.createNamespace(t);
    const held = `apiVersion: v1
kind: ConfigMap
metadata:
  name: held
  finalizers: [tide.test/hold]
data: {a: b}
`;
    await gitSource(h, ns, 'repo', { 'a/cm.yaml': configMap('a'), 'b/held.yaml': held });
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'delete', {
        path: './a',
        targetNamespace: ns,
        prune: false,
        deletionPolicy: 'Delete',
      }),
    );
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'wait', {
        path: './b',
        targetNamespace: ns,
        prune: false,
        deletionPolicy: 'WaitForTermination',
        timeout: '60s',
      }),
    );
    await waitKustomization(h.client, ns, 'delete', isReadyAt());
    await waitKustomization(h.client, ns, 'wait', isReadyAt());

    await h.client.delete(Kustomizations, { name: 'delete', namespace: ns });
    await eventually(
      async () => {
        assert.equal(await getOrUndefined(() => readKustomization(h.client, ns, 'delete')), undefined);
      },
      { timeoutMs: 30_000 },
    );
    assert.equal(
      await getOrUndefined(() => h.client.get(CoreResources.ConfigMap, 'settings', ns)),
      undefined,
    );

    // WaitForTermination: the Kustomization stays until its object is really gone.
    await h.client.delete(Kustomizations, { name: 'wait', namespace: ns });
    await eventually(
      async () => {
        const cm = await h.client.get(CoreResources.ConfigMap, 'held', ns);
        assert.ok(cm.metadata.deletionTimestamp !== undefined, 'the held ConfigMap is being deleted');
      },
      { timeoutMs: 30_000 },
    );
    const waiting = await readKustomization(h.client, ns, 'wait');
    assert.ok(waiting.metadata.deletionTimestamp !== undefined, 'the Kustomization waits');
    await h.client.patch(
      CoreResources.ConfigMap,
      { name: 'held', namespace: ns },
      { metadata: { finalizers: null } },
      { type: 'merge' },
    );
    await eventually(
      async () => {
        assert.equal(await getOrUndefined(() => readKustomization(h.client, ns, 'wait')), undefined);
      },
      { timeoutMs: 60_000 },
    );
  });
});
