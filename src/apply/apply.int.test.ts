// Server-side apply against the shared cluster: actions, drift, Override and
// Merge, staging of CRDs and Namespaces, and validation before any write.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { ApplyError } from './engine.js';
import { inventoryOf } from './inventory.js';
import {
  configMap,
  deleteAfter,
  FIELD_MANAGER,
  getOrUndefined,
  OWNER,
  Res,
  suffix,
  useTestbed,
} from './testdata/testbed.js';

const bed = await useTestbed();

type ConfigMap = KubeObject & { data?: Record<string, string> };

describe('apply', () => {
  it('creates, leaves unchanged, then configures', async (t) => {
    const ns = await bed.namespace(t);
    const engine = bed.engine();
    const objects = [configMap(ns, 'b', { x: '1' }), configMap(ns, 'a', { x: '1' })];
    const first = await engine.apply(objects, bed.applyOpts());
    assert.deepEqual(
      first.map((e) => [e.subject, e.action, e.id, e.version]),
      [
        [`ConfigMap/${ns}/a`, 'created', `${ns}_a__ConfigMap`, 'v1'],
        [`ConfigMap/${ns}/b`, 'created', `${ns}_b__ConfigMap`, 'v1'],
      ],
    );
    const live = await bed.client.get<ConfigMap>(Res.ConfigMap, 'a', ns);
    assert.deepEqual(live.data, { x: '1' });
    assert.equal(live.metadata.labels?.['kustomize.toolkit.fluxcd.io/name'], 'apps');
    assert.ok(
      (live.metadata.managedFields as { manager: string }[]).some((m) => m.manager === FIELD_MANAGER),
      'applied under the field manager',
    );

    const second = await engine.apply(objects, bed.applyOpts());
    assert.deepEqual(
      second.map((e) => e.action),
      ['unchanged', 'unchanged'],
    );
    const after = await bed.client.get<ConfigMap>(Res.ConfigMap, 'a', ns);
    assert.equal(after.metadata.resourceVersion, live.metadata.resourceVersion, 'no write when unchanged');

    const third = await engine.apply(
      [configMap(ns, 'b', { x: '1' }), configMap(ns, 'a', { x: '2' })],
      bed.applyOpts(),
    );
    assert.deepEqual(
      third.map((e) => [e.subject, e.action]),
      [
        [`ConfigMap/${ns}/a`, 'configured'],
        [`ConfigMap/${ns}/b`, 'unchanged'],
      ],
    );
    assert.deepEqual((await bed.client.get<ConfigMap>(Res.ConfigMap, 'a', ns)).data, { x: '2' });
  });

  it('reverts drift another field manager made on a field it owns', async (t) => {
    const ns = await bed.namespace(t);
    const engine = bed.engine();
    await engine.apply([configMap(ns, 'cm', { x: '1' })], bed.applyOpts());
    await bed.client.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/configmaps/cm`,
      query: { fieldManager: 'kubectl-edit' },
      body: { data: { x: 'drifted' } },
      contentType: 'application/merge-patch+json',
    });
    await bed.client.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/configmaps/cm`,
      query: { fieldManager: 'some-operator' },
      body: { metadata: { labels: { 'kustomize.toolkit.fluxcd.io/name': 'hijacked' } } },
      contentType: 'application/merge-patch+json',
    });
    const entries = await engine.apply([configMap(ns, 'cm', { x: '1' })], bed.applyOpts());
    assert.equal(entries[0]?.action, 'configured');
    const live = await bed.client.get<ConfigMap>(Res.ConfigMap, 'cm', ns);
    assert.deepEqual(live.data, { x: '1' });
    assert.equal(live.metadata.labels?.['kustomize.toolkit.fluxcd.io/name'], 'apps');
  });

  // A ConfigMap created by `kubectl apply` (client-side): fields x and y owned by
  // kubectl-client-side-apply, recorded in the last-applied annotation.
  async function createdByKubectl(ns: string): Promise<void> {
    await bed.client.request({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      query: { fieldManager: 'kubectl-client-side-apply' },
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'cm',
          namespace: ns,
          annotations: {
            'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
              data: { x: '1', y: 'old' },
            }),
          },
        },
        data: { x: '1', y: 'old' },
      },
    });
  }

  it('Override removes a field only kubectl client-side apply kept, and its annotation', async (t) => {
    const ns = await bed.namespace(t);
    await createdByKubectl(ns);
    const entries = await bed.engine().apply([configMap(ns, 'cm', { x: '1' })], bed.applyOpts());
    assert.equal(entries[0]?.action, 'configured');
    const live = await bed.client.get<ConfigMap>(Res.ConfigMap, 'cm', ns);
    assert.deepEqual(live.data, { x: '1' });
    assert.equal(live.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined);
    const managers = (live.metadata.managedFields as { manager: string }[]).map((m) => m.manager);
    assert.ok(
      !managers.some((m) => m.startsWith('kubectl')),
      `kubectl managers left: ${managers.join(', ')}`,
    );
  });

  it('Merge keeps a field another manager added', async (t) => {
    const ns = await bed.namespace(t);
    await createdByKubectl(ns);
    const merge = { annotations: { 'kustomize.toolkit.fluxcd.io/ssa': 'merge' } };
    const entries = await bed.engine().apply([configMap(ns, 'cm', { x: '2' }, merge)], bed.applyOpts());
    assert.equal(entries[0]?.action, 'configured');
    const live = await bed.client.get<ConfigMap>(Res.ConfigMap, 'cm', ns);
    assert.deepEqual(live.data, { x: '2', y: 'old' }, 'y kept, x (in the manifest) still overridden');
    assert.notEqual(
      live.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'],
      undefined,
    );
  });

  it('applies a CRD and custom resources of it in one call', async (t) => {
    const ns = await bed.namespace(t);
    const group = `w${suffix()}.apply.tide.dev`;
    const crdName = `widgets.${group}`;
    deleteAfter(t, bed.client, Res.CRD, crdName);
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: crdName, labels: OWNER },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } } },
                },
              },
            },
          },
        ],
      },
    } as KubeObject;
    const widget = {
      apiVersion: `${group}/v1`,
      kind: 'Widget',
      metadata: { name: 'w1', namespace: ns, labels: OWNER },
      spec: { size: 3 },
    } as KubeObject;
    // Custom resources first in the input: staging, not input order, decides.
    const entries = await bed.engine().apply([widget, configMap(ns, 'cm', { a: 'b' }), crd], bed.applyOpts());
    assert.deepEqual(
      entries.map((e) => [e.subject, e.action]),
      [
        [`CustomResourceDefinition/${crdName}`, 'created'],
        [`ConfigMap/${ns}/cm`, 'created'],
        [`Widget/${ns}/w1`, 'created'],
      ],
    );
    assert.deepEqual(inventoryOf(entries).entries.at(-1), { id: `${ns}_w1_${group}_Widget`, v: 'v1' });
    const live = await bed.client.get<KubeObject<{ size: number }>>(
      { group, version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true },
      'w1',
      ns,
    );
    assert.equal(live.spec?.size, 3);
  });

  it('applies a Namespace and objects in it in one call', async (t) => {
    const name = `apply-ns-${suffix()}`;
    deleteAfter(t, bed.client, Res.Namespace, name);
    const namespace = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: OWNER },
    } as KubeObject;
    const entries = await bed.engine().apply([configMap(name, 'cm', { a: 'b' }), namespace], bed.applyOpts());
    assert.deepEqual(
      entries.map((e) => [e.id, e.action]),
      [
        [`_${name}__Namespace`, 'created'],
        [`${name}_cm__ConfigMap`, 'created'],
      ],
    );
    assert.deepEqual((await bed.client.get<ConfigMap>(Res.ConfigMap, 'cm', name)).data, { a: 'b' });
  });

  it('writes nothing of a stage when one dry run fails, and names the object', async (t) => {
    const ns = await bed.namespace(t);
    const badService = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'bad', namespace: ns, labels: OWNER },
      spec: { ports: [{ port: 70000 }] },
    } as KubeObject;
    const objects = [configMap(ns, 'good', { a: 'b' }), badService, configMap(ns, 'also-good', { c: 'd' })];
    const err = await bed
      .engine({ concurrency: 1 })
      .apply(objects, bed.applyOpts())
      .then(
        () => assert.fail('apply succeeded'),
        (e: unknown) => e,
      );
    assert.ok(err instanceof ApplyError, `ApplyError, got ${String(err)}`);
    assert.equal(err.reason, 'Invalid');
    assert.equal(err.subject, `Service/${ns}/bad`);
    assert.equal(err.field, 'spec.ports[0].port');
    assert.match(
      err.message,
      new RegExp(`^Service/${ns}/bad dry-run failed \\(Invalid\\): .*spec\\.ports\\[0\\]\\.port`),
    );
    assert.equal(await getOrUndefined(bed.client, Res.ConfigMap, 'good', ns), undefined, 'good not written');
    assert.equal(
      await getOrUndefined(bed.client, Res.ConfigMap, 'also-good', ns),
      undefined,
      'also-good not written',
    );
  });
});
