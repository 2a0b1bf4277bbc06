// KubeClient against the real apiserver: a DELETE with a body (propagationPolicy) is read
// by the server and leaves the kept-alive connection usable for the next request.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestEnvironment } from '../../testenv/env.js';
import { connect } from './connect.js';
import { isNotFound } from './errors.js';
import { CoreResources, type ResourceType } from './resource.js';

const Deployments: ResourceType = {
  group: 'apps',
  version: 'v1',
  plural: 'deployments',
  kind: 'Deployment',
  namespaced: true,
};

describe('KubeClient', () => {
  it('sends DELETE bodies with a length: the policy is honoured and the next request works', async (t) => {
    const env = await useTestEnvironment();
    const ns = await env.createNamespace(t);
    const client = await connect(env.kc, { qps: 1000, burst: 1000 });
    await client.create(Deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'fg', namespace: ns },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'fg' } },
        template: {
          metadata: { labels: { app: 'fg' } },
          spec: { containers: [{ name: 'c', image: 'nginx' }] },
        },
      },
    });
    for (let i = 0; i < 5; i++) {
      await client.create(CoreResources.ConfigMap, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `cm-${i}`, namespace: ns },
      });
      await client.delete(
        CoreResources.ConfigMap,
        { name: `cm-${i}`, namespace: ns },
        { propagationPolicy: 'Background' },
      );
      // The same connection serves the next request.
      const list = await client.list(CoreResources.ConfigMap, { namespace: ns });
      assert.ok(!list.items.some((c) => c.metadata.name === `cm-${i}`), `cm-${i} is gone`);
    }
    // Foreground deletion is visible as the foregroundDeletion finalizer while dependents go.
    await client.delete(Deployments, { name: 'fg', namespace: ns }, { propagationPolicy: 'Foreground' });
    try {
      const d = await client.get(Deployments, 'fg', ns);
      assert.ok(
        d.metadata.finalizers?.includes('foregroundDeletion'),
        `finalizers: ${String(d.metadata.finalizers)}`,
      );
    } catch (err) {
      // Already gone: the server finished the foreground deletion first.
      assert.ok(isNotFound(err), String(err));
    }
  });
});
