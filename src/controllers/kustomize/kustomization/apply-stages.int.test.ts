// Staged apply through the controller: a CRD and its custom resources in one
// Kustomization succeed in one reconcile; an immutable-field change fails naming the
// object and the field, and spec.force recreates the object.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ResourceType } from '../../../runtime/client/resource.js';
import { eventually } from '../../../testenv/eventually.js';
import {
  gitSource,
  isFailing,
  isReadyAt,
  kustomization,
  readKustomization,
  startKustomizeHarness,
  waitKustomization,
  type KustomizeHarness,
} from '../testdata/harness.js';
import { Kustomizations } from './resources.js';

let h: KustomizeHarness;
before(async () => {
  h = await startKustomizeHarness();
});
after(async () => {
  await h.stop();
});

const Crds: ResourceType = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
  namespaced: false,
};
const Jobs: ResourceType = { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true };

function crd(group: string): string {
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: integer}
`;
}

const widget = (group: string, name: string, size: number): string =>
  `apiVersion: ${group}/v1\nkind: Widget\nmetadata:\n  name: ${name}\nspec:\n  size: ${size}\n`;

const job = (image: string): string => `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: m, image: ${image}}]
`;

describe('Kustomization staged apply', () => {
  it('applies a CRD and its custom resources in one reconcile', async (t) => {
    const ns = await h.env.createNamespace(t);
    const group = `t${randomBytes(4).toString('hex')}.tide.test`;
    t.after(async () => {
      await h.client.delete(Crds, { name: `widgets.${group}` }).catch(() => undefined);
    });
    await gitSource(h, ns, 'repo', {
      'crd.yaml': crd(group),
      'a.yaml': widget(group, 'a', 1),
      'b.yaml': widget(group, 'b', 2),
    });
    await h.client.create(Kustomizations, kustomization(ns, 'widgets', { targetNamespace: ns }));
    const ks = await waitKustomization(h.client, ns, 'widgets', isReadyAt());
    // One attempt: the first history snapshot is a success seen once.
    assert.equal(ks.status?.history?.length, 1);
    assert.equal(ks.status.history[0]?.totalReconciliations, 1);
    assert.deepEqual(
      ks.status.inventory?.entries.map((e) => e.id),
      [
        `_widgets.${group}_apiextensions.k8s.io_CustomResourceDefinition`,
        `${ns}_a_${group}_Widget`,
        `${ns}_b_${group}_Widget`,
      ],
    );
    const widgets: ResourceType = {
      group,
      version: 'v1',
      plural: 'widgets',
      kind: 'Widget',
      namespaced: true,
    };
    const b = await h.client.get<{
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      spec?: { size?: number };
    }>(widgets, 'b', ns);
    assert.equal(b.spec?.size, 2);
  });

  it('names the object and field of an immutable change, and recreates it with force', async (t) => {
    const ns = await h.env.createNamespace(t);
    const repo = await gitSource(h, ns, 'repo', { 'job.yaml': job('busybox:1') });
    await h.client.create(Kustomizations, kustomization(ns, 'jobs', { targetNamespace: ns }));
    await waitKustomization(h.client, ns, 'jobs', isReadyAt());
    const before = await h.client.get(Jobs, 'migrate', ns);
    await repo.commit({ 'job.yaml': job('busybox:2') });
    const failed = await waitKustomization(
      h.client,
      ns,
      'jobs',
      isFailing('ReconciliationFailed', `Job/${ns}/migrate`),
    );
    const message = failed.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';
    assert.match(message, /spec\.template/);
    assert.match(message, /immutable/);
    assert.match(message, /force/);
    // The inventory still lists the job and the job is untouched.
    assert.equal((await h.client.get(Jobs, 'migrate', ns)).metadata.uid, before.metadata.uid);

    await h.client.patch(
      Kustomizations,
      { name: 'jobs', namespace: ns },
      { spec: { force: true } },
      { type: 'merge' },
    );
    await waitKustomization(h.client, ns, 'jobs', isReadyAt());
    await eventually(async () => {
      const recreated = await h.client.get<{
        apiVersion: string;
        kind: string;
        metadata: { name: string; uid?: string };
        spec?: { template?: { spec?: { containers?: { image?: string }[] } } };
      }>(Jobs, 'migrate', ns);
      assert.notEqual(recreated.metadata.uid, before.metadata.uid);
      assert.equal(recreated.spec?.template?.spec?.containers?.[0]?.image, 'busybox:2');
    });
    const ks = await readKustomization(h.client, ns, 'jobs');
    assert.ok(
      ks.status?.inventory?.entries.some((e) => e.id === `${ns}_migrate_batch_Job`),
      'the job is in the inventory',
    );
  });
});
