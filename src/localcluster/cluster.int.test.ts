// Acceptance tests of the local cluster: a real apiserver with RBAC,
// controllers, scheduler and simulated nodes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VersionApi, type V1Deployment } from '@kubernetes/client-node';
import { useTestEnvironment } from '../testenv/env.js';
import { eventually } from '../testenv/eventually.js';
import { kubeRequest } from '../testenv/kube-request.js';

const env = await useTestEnvironment();

function deployment(name: string, replicas: number): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'registry.example/app:1.0' }] },
      },
    },
  };
}

describe('local cluster', () => {
  it('reports the pinned Kubernetes version', async () => {
    const version = await env.kc.makeApiClient(VersionApi).getCode();
    assert.equal(version.gitVersion, 'v1.36.3');
  });

  it('makes a Deployment with 2 replicas Available through the simulated nodes', async (t) => {
    const namespace = await env.createNamespace(t);
    await env.apps.createNamespacedDeployment({ namespace, body: deployment('web', 2) });
    const status = await eventually(
      async () => {
        const d = await env.apps.readNamespacedDeployment({ name: 'web', namespace });
        const available = d.status?.conditions?.find((c) => c.type === 'Available');
        assert.equal(available?.status, 'True', 'Available condition');
        assert.equal(d.status?.readyReplicas, 2, 'readyReplicas');
        return d.status;
      },
      { timeoutMs: 30_000, message: 'Deployment web to become Available' },
    );
    assert.equal(status.availableReplicas, 2);
    const pods = await env.core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
    assert.equal(pods.items.length, 2);
    for (const pod of pods.items) {
      assert.equal(pod.status?.phase, 'Running');
      assert.match(pod.spec?.nodeName ?? '', /^tide-node-/);
    }
  });

  it('deletes a namespace that holds objects', async (t) => {
    const namespace = await env.createNamespace(t, 'doomed');
    await env.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'cm' }, data: { a: 'b' } } });
    await env.apps.createNamespacedDeployment({ namespace, body: deployment('app', 1) });
    await eventually(async () => {
      const pods = await env.core.listNamespacedPod({ namespace });
      assert.equal(pods.items.length, 1);
    });
    await env.core.deleteNamespace({ name: namespace });
    await eventually(
      async () => {
        const list = await env.core.listNamespace();
        assert.ok(!list.items.some((ns) => ns.metadata?.name === namespace), `${namespace} still exists`);
      },
      { timeoutMs: 30_000, message: `namespace ${namespace} to be deleted` },
    );
  });

  it('garbage-collects a dependent after its owner is deleted', async (t) => {
    const namespace = await env.createNamespace(t);
    const owner = await env.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'owner' } } });
    const ownerRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata?.uid ?? '' };
    await env.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'dependent', ownerReferences: [ownerRef] } },
    });
    await env.core.deleteNamespacedConfigMap({ name: 'owner', namespace });
    await eventually(
      async () => {
        const list = await env.core.listNamespacedConfigMap({ namespace });
        const names = list.items.map((cm) => cm.metadata?.name);
        assert.ok(!names.includes('dependent'), `dependent still present: ${names.join(', ')}`);
      },
      { timeoutMs: 30_000, message: 'the dependent ConfigMap to be garbage-collected' },
    );
  });

  it('enforces RBAC for impersonated ServiceAccounts and ServiceAccount tokens', async (t) => {
    const namespace = await env.createNamespace(t);
    await env.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'tenant' } } });
    const listPath = `/api/v1/namespaces/${namespace}/configmaps`;
    const asTenant = { 'Impersonate-User': `system:serviceaccount:${namespace}:tenant` };

    const denied = await kubeRequest(env.kc, { path: listPath, headers: asTenant });
    assert.equal(denied.status, 403);
    assert.match(JSON.stringify(denied.body), /forbidden.*system:serviceaccount:.*:tenant/i);

    const token = await env.core.createNamespacedServiceAccountToken({
      name: 'tenant',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const bearer = token.status?.token ?? '';
    assert.notEqual(bearer, '');
    const deniedByToken = await kubeRequest(env.kc, { path: listPath, bearerToken: bearer });
    assert.equal(deniedByToken.status, 403, 'the token authenticates but has no grant');
    const badToken = await kubeRequest(env.kc, { path: listPath, bearerToken: `${bearer}x` });
    assert.equal(badToken.status, 401, 'a tampered token does not authenticate');

    await env.rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'read-configmaps' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
      },
    });
    await env.rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'tenant-reads' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-configmaps' },
        subjects: [{ kind: 'ServiceAccount', name: 'tenant', namespace }],
      },
    });
    await eventually(async () => {
      const allowed = await kubeRequest(env.kc, { path: listPath, headers: asTenant });
      assert.equal(allowed.status, 200);
      const byToken = await kubeRequest(env.kc, { path: listPath, bearerToken: bearer });
      assert.equal(byToken.status, 200);
    });
    const write = await kubeRequest(env.kc, {
      method: 'POST',
      path: listPath,
      headers: asTenant,
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
    });
    assert.equal(write.status, 403, 'the Role grants reads only');
  });
});
