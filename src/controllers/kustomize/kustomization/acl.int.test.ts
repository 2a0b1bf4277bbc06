// Lockdown flags: --no-cross-namespace-refs refuses a sourceRef into another namespace
// before anything is fetched or applied (security bar §4 item 17), and
// --default-service-account makes an object without serviceAccountName act as that
// ServiceAccount, never as the controller (item 18).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoreResources, type ResourceType } from '../../../runtime/client/resource.js';
import {
  condition,
  getOrUndefined,
  gitSource,
  isFailing,
  kustomization,
  startKustomizeHarness,
  waitKustomization,
  type KustomizeHarness,
} from '../testdata/harness.js';
import { Kustomizations } from './resources.js';

const ClusterRoles: ResourceType = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  plural: 'clusterroles',
  kind: 'ClusterRole',
  namespaced: false,
};

let h: KustomizeHarness;
before(async () => {
  h = await startKustomizeHarness({
    controller: { noCrossNamespaceRefs: true, defaultServiceAccount: 'default' },
  });
});
after(async () => {
  await h.stop();
});

describe('Kustomization lockdown flags', () => {
  it('blocks a cross-namespace sourceRef', async (t) => {
    const other = await h.env.createNamespace(t);
    const ns = await h.env.createNamespace(t);
    await gitSource(h, other, 'repo', {
      'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stolen\ndata: {a: b}\n',
    });
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'thief', {
        targetNamespace: ns,
        sourceRef: { kind: 'GitRepository', name: 'repo', namespace: other },
      }),
    );
    const ks = await waitKustomization(
      h.client,
      ns,
      'thief',
      isFailing('AccessDenied', 'cross-namespace references have been blocked'),
    );
    assert.equal(condition(ks, 'Stalled')?.status, 'True');
    assert.equal(ks.status?.lastAttemptedRevision, undefined);
    assert.equal(await getOrUndefined(() => h.client.get(CoreResources.ConfigMap, 'stolen', ns)), undefined);
  });

  it('applies as the default ServiceAccount, so a ClusterRole in the manifests is Forbidden', async (t) => {
    const ns = await h.env.createNamespace(t);
    const name = `tenant-escalation-${ns}`;
    await gitSource(h, ns, 'repo', {
      'cr.yaml': `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ${name}\nrules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]\n`,
      'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: innocent\ndata: {a: b}\n',
    });
    await h.client.create(Kustomizations, kustomization(ns, 'escalate', { targetNamespace: ns }));
    const ks = await waitKustomization(
      h.client,
      ns,
      'escalate',
      isFailing('ReconciliationFailed', `ClusterRole/${name}`),
    );
    assert.match(condition(ks, 'Ready')?.message ?? '', new RegExp(`system:serviceaccount:${ns}:default`));
    assert.equal(await getOrUndefined(() => h.client.get(ClusterRoles, name)), undefined);
    assert.equal(
      await getOrUndefined(() => h.client.get(CoreResources.ConfigMap, 'innocent', ns)),
      undefined,
    );
  });
});
