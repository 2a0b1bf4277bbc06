import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it, type TestContext } from 'node:test';
import type { KubeObject } from '../api/object.js';
import {
  DiscoveryCache,
  KubeClient,
  transportFromKubeConfig,
  type ResourceType,
} from '../runtime/client/index.js';
import { useTestEnvironment } from '../testenv/env.js';
import { eventually } from '../testenv/eventually.js';
import { compileHealthChecks } from './cel.js';
import { describeUnhealthy, waitForHealth, type HealthRef, type HealthWaitOptions } from './wait.js';

const env = await useTestEnvironment();
const transport = await transportFromKubeConfig(env.kc);
const client = new KubeClient(transport, { qps: 50, burst: 100 });
const discovery = new DiscoveryCache(client);
after(() => {
  transport.agent.destroy();
});

const Deployments: ResourceType = {
  group: 'apps',
  version: 'v1',
  plural: 'deployments',
  kind: 'Deployment',
  namespaced: true,
};
const CRDs: ResourceType = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
  namespaced: false,
};
const fieldManager = 'tide-health-test';

function options(overrides: Partial<HealthWaitOptions>): HealthWaitOptions {
  return {
    client,
    discovery,
    timeoutMs: 90_000,
    signal: new AbortController().signal,
    pollMs: 200,
    ...overrides,
  };
}

async function createDeployment(
  namespace: string,
  name: string,
  nodeSelector?: Record<string, string>,
): Promise<HealthRef> {
  await client.create(Deployments, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'app', image: 'registry.example/app:1' }],
          ...(nodeSelector === undefined ? {} : { nodeSelector }),
        },
      },
    },
  });
  return { group: 'apps', version: 'v1', kind: 'Deployment', namespace, name };
}

/** A namespaced CRD with a status subresource under a group of its own, deleted after the test. */
async function installGadgetCrd(t: TestContext): Promise<ResourceType> {
  const group = `h${randomBytes(4).toString('hex')}.health.tide.test`;
  const name = `gadgets.${group}`;
  await client.apply(
    CRDs,
    {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name },
      spec: {
        group,
        names: { kind: 'Gadget', listKind: 'GadgetList', plural: 'gadgets', singular: 'gadget' },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', properties: { size: { type: 'integer' } } },
                  status: { type: 'object', properties: { phase: { type: 'string' } } },
                },
              },
            },
          },
        ],
      },
    },
    { fieldManager, force: true },
  );
  t.after(() => client.delete(CRDs, { name }).catch(() => undefined));
  await eventually(
    async () => {
      const crd = await client.get<KubeObject<unknown, { conditions?: { type: string; status: string }[] }>>(
        CRDs,
        name,
      );
      const established = crd.status?.conditions?.find((c) => c.type === 'Established');
      assert.equal(established?.status, 'True', `CRD ${name} is not Established yet`);
    },
    { timeoutMs: 30_000, message: `waiting for CRD ${name}` },
  );
  return { group, version: 'v1', plural: 'gadgets', kind: 'Gadget', namespaced: true };
}

describe('waitForHealth against the cluster', () => {
  it('sees a one-replica Deployment become Current once its pod runs', async (t) => {
    const namespace = await env.createNamespace(t, 'health');
    const web = await createDeployment(namespace, 'web');
    const started = Date.now();
    const report = await waitForHealth([web], options({}));
    assert.deepEqual(report, { healthy: true, unhealthy: [] }, describeUnhealthy(report));
    const live = await client.get<KubeObject<unknown, { availableReplicas?: number }>>(
      Deployments,
      'web',
      namespace,
    );
    assert.equal(
      live.status?.availableReplicas,
      1,
      `healthy after ${Date.now() - started} ms, but not available`,
    );
  });

  it('times out on a Deployment whose pod never schedules, naming it and saying why', async (t) => {
    const namespace = await env.createNamespace(t, 'health');
    const stuck = await createDeployment(namespace, 'stuck', { 'tide.dev/no-such-node': 'true' });
    // Let the controllers create the pod first, so the reason is the pod's availability.
    await eventually(
      async () => {
        const d = await client.get<KubeObject<unknown, { updatedReplicas?: number }>>(
          Deployments,
          'stuck',
          namespace,
        );
        assert.equal(d.status?.updatedReplicas, 1, 'the Deployment has no updated replica yet');
      },
      { timeoutMs: 60_000, message: 'waiting for the stuck Deployment to create its pod' },
    );
    const report = await waitForHealth([stuck], options({ timeoutMs: 3_000 }));
    assert.equal(report.healthy, false);
    assert.equal(report.timedOut, true);
    assert.deepEqual(report.unhealthy, [
      {
        subject: `Deployment/${namespace}/stuck`,
        status: 'InProgress',
        message: 'Deployment does not have minimum availability: 0 of 1 replica available',
      },
    ]);
    assert.equal(
      describeUnhealthy(report),
      `timeout waiting for: [Deployment/${namespace}/stuck status: 'InProgress': Deployment does not have minimum availability: 0 of 1 replica available]`,
    );
  });

  it('decides a custom resource with healthCheckExprs as its status changes', async (t) => {
    const namespace = await env.createNamespace(t, 'health');
    const Gadgets = await installGadgetCrd(t);
    const apiVersion = `${Gadgets.group}/v1`;
    await client.create(Gadgets, {
      apiVersion,
      kind: 'Gadget',
      metadata: { name: 'g', namespace },
      spec: { size: 1 },
    });
    const checks = compileHealthChecks([
      {
        apiVersion,
        kind: 'Gadget',
        inProgress: '!has(self.status) || !has(self.status.phase)',
        failed: "status.phase == 'Failed'",
        current: "status.phase == 'Ready'",
      },
    ]);
    const gadget: HealthRef = { group: Gadgets.group, version: 'v1', kind: 'Gadget', namespace, name: 'g' };
    const setPhase = (phase: string): Promise<KubeObject> =>
      client.patch(
        Gadgets,
        { name: 'g', namespace },
        { status: { phase } },
        { type: 'merge', subresource: 'status' },
      );

    // No status yet: in progress until the timeout.
    const waiting = await waitForHealth([gadget], options({ checks, timeoutMs: 2_000 }));
    assert.equal(waiting.timedOut, true, describeUnhealthy(waiting));
    assert.deepEqual(
      waiting.unhealthy.map((u) => [u.subject, u.status, u.message]),
      [
        [
          `Gadget/${namespace}/g`,
          'InProgress',
          "Gadget matches the healthCheckExprs inProgress expression '!has(self.status) || !has(self.status.phase)'",
        ],
      ],
    );

    // Ready while a wait is running: that wait succeeds.
    const ready = waitForHealth([gadget], options({ checks }));
    await setPhase('Ready');
    assert.deepEqual(await ready, { healthy: true, unhealthy: [] });

    // Failed: the wait stops long before its timeout.
    await setPhase('Failed');
    const started = Date.now();
    const failed = await waitForHealth([gadget], options({ checks, timeoutMs: 60_000 }));
    assert.ok(Date.now() - started < 30_000, `fail-fast took ${Date.now() - started} ms`);
    assert.equal(failed.failedFast, true);
    assert.equal(
      describeUnhealthy(failed),
      `failed early due to stalled resources: [Gadget/${namespace}/g status: 'Failed': Gadget matches the healthCheckExprs failed expression 'status.phase == 'Failed'']`,
    );
  });
});
