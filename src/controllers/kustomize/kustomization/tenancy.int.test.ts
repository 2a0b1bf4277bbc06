// Multi-tenancy: spec.serviceAccountName is impersonated for every apply and prune. A
// ServiceAccount without rights gets Forbidden, nothing is applied and the message names
// the denied object and the identity; with a RoleBinding the same Kustomization succeeds.
// An empty name fails closed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../../../api/object.js';
import { CoreResources, type ResourceType } from '../../../runtime/client/resource.js';
import {
  condition,
  getOrUndefined,
  gitSource,
  isFailing,
  isReadyAt,
  kustomization,
  startKustomizeHarness,
  waitKustomization,
  type KustomizeHarness,
} from '../testdata/harness.js';
import { Kustomizations } from './resources.js';

const Roles: ResourceType = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  plural: 'roles',
  kind: 'Role',
  namespaced: true,
};
const RoleBindings: ResourceType = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  plural: 'rolebindings',
  kind: 'RoleBinding',
  namespaced: true,
};

let h: KustomizeHarness;
before(async () => {
  h = await startKustomizeHarness();
});
after(async () => {
  await h.stop();
});

const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tenant-config\ndata: {a: b}\n`;

describe('Kustomization impersonation', () => {
  it('is Forbidden without rights, applies nothing, and succeeds once the ServiceAccount is bound', async (t) => {
    const ns = await h.env.createNamespace(t);
    await gitSource(h, ns, 'repo', { 'cm.yaml': cm });
    await h.client.create(CoreResources.ServiceAccount, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'tenant', namespace: ns },
    });
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'tenant', { targetNamespace: ns, serviceAccountName: 'tenant' }),
    );
    const denied = await waitKustomization(
      h.client,
      ns,
      'tenant',
      isFailing('ReconciliationFailed', `ConfigMap/${ns}/tenant-config`),
    );
    const message = condition(denied, 'Ready')?.message ?? '';
    assert.match(message, /forbidden/i);
    assert.match(message, new RegExp(`system:serviceaccount:${ns}:tenant`));
    assert.equal(
      await getOrUndefined(() => h.client.get(CoreResources.ConfigMap, 'tenant-config', ns)),
      undefined,
    );
    assert.equal(denied.status?.inventory, undefined);

    await h.client.create(Roles, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'configmaps', namespace: ns },
      rules: [
        {
          apiGroups: [''],
          resources: ['configmaps'],
          verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
        },
      ],
    } as KubeObject);
    await h.client.create(RoleBindings, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'tenant', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmaps' },
      subjects: [{ kind: 'ServiceAccount', name: 'tenant', namespace: ns }],
    } as KubeObject);
    await waitKustomization(h.client, ns, 'tenant', isReadyAt());
    const applied = await h.client.get(CoreResources.ConfigMap, 'tenant-config', ns);
    const managers = (applied.metadata as { managedFields?: { manager?: string }[] }).managedFields?.map(
      (m) => m.manager,
    );
    assert.ok(managers?.includes('kustomize-controller'), `managers: ${String(managers)}`);
  });

  it('fails closed on an empty serviceAccountName', async (t) => {
    const ns = await h.env.createNamespace(t);
    await gitSource(h, ns, 'repo', { 'cm.yaml': cm });
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'empty', { targetNamespace: ns, serviceAccountName: '' }),
    );
    const ks = await waitKustomization(h.client, ns, 'empty', (k) => {
      if (condition(k, 'Stalled')?.status !== 'True') throw new Error('not stalled yet');
    });
    assert.equal(condition(ks, 'Ready')?.reason, 'AccessDenied');
    assert.match(condition(ks, 'Ready')?.message ?? '', /empty name/);
    assert.equal(
      await getOrUndefined(() => h.client.get(CoreResources.ConfigMap, 'tenant-config', ns)),
      undefined,
    );
  });
});
