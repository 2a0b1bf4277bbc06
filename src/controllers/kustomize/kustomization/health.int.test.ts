// Health through the controller: a timeout names each unhealthy object and why; CEL
// healthCheckExprs decide readiness of a custom resource.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ResourceType } from '../../../runtime/client/resource.js';
import {
  condition,
  gitSource,
  isFailing,
  isReadyAt,
  kustomization,
  startKustomizeHarness,
  waitKustomization,
  type KustomizeHarness,
} from '../testdata/harness.js';
import { Kustomizations } from './resources.js';

const Crds: ResourceType = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
  namespaced: false,
};

let h: KustomizeHarness;
before(async () => {
  h = await startKustomizeHarness();
});
after(async () => {
  await h.stop();
});

const stuck = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: stuck
spec:
  replicas: 1
  progressDeadlineSeconds: 600
  selector: {matchLabels: {app: stuck}}
  template:
    metadata: {labels: {app: stuck}}
    spec:
      nodeSelector: {tide.test/no-such-node: "true"}
      containers: [{name: c, image: nginx}]
`;

describe('Kustomization health', () => {
  it('names the unhealthy object and its reason when the timeout passes', async (t) => {
    const ns = await h.env.createNamespace(t);
    await gitSource(h, ns, 'repo', { 'deploy.yaml': stuck });
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'stuck', { targetNamespace: ns, wait: true, timeout: '5s' }),
    );
    const ks = await waitKustomization(
      h.client,
      ns,
      'stuck',
      isFailing('HealthCheckFailed', `Deployment/${ns}/stuck`),
    );
    const message = condition(ks, 'Ready')?.message ?? '';
    assert.match(message, /InProgress/);
    assert.match(message, /availab|replica/i);
    assert.equal(condition(ks, 'Healthy')?.status, 'False');
    assert.equal(condition(ks, 'Healthy')?.reason, 'HealthCheckFailed');
    // Applied all the same: the inventory records the deployment.
    assert.ok(
      ks.status?.inventory?.entries.some((e) => e.id === `${ns}_stuck_apps_Deployment`),
      'the deployment is in the inventory',
    );
  });

  it('lets healthCheckExprs decide for a custom resource', async (t) => {
    const ns = await h.env.createNamespace(t);
    const group = `h${randomBytes(4).toString('hex')}.tide.test`;
    t.after(async () => {
      await h.client.delete(Crds, { name: `gadgets.${group}` }).catch(() => undefined);
    });
    await h.client.create(Crds, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `gadgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    } as never);
    const gadgets: ResourceType = {
      group,
      version: 'v1',
      plural: 'gadgets',
      kind: 'Gadget',
      namespaced: true,
    };
    await gitSource(h, ns, 'repo', {
      'g.yaml': `apiVersion: ${group}/v1\nkind: Gadget\nmetadata:\n  name: g\nspec: {size: 1}\n`,
    });
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'gadget', {
        targetNamespace: ns,
        timeout: '60s',
        healthChecks: [{ apiVersion: `${group}/v1`, kind: 'Gadget', name: 'g' }],
        healthCheckExprs: [
          {
            apiVersion: `${group}/v1`,
            kind: 'Gadget',
            inProgress: "!has(self.status) || self.status.phase == 'Pending'",
            failed: "self.status.phase == 'Broken'",
            current: "self.status.phase == 'Ready'",
          },
        ],
      }),
    );
    // Health checks run (Healthy Unknown) while the gadget has no status.
    await waitKustomization(
      h.client,
      ns,
      'gadget',
      (k) => {
        if (condition(k, 'Healthy')?.status !== 'Unknown')
          throw new Error(`Healthy ${condition(k, 'Healthy')?.status ?? 'absent'}`);
      },
      30_000,
    );
    await h.client.patch(
      gadgets,
      { name: 'g', namespace: ns },
      { status: { phase: 'Ready' } },
      { type: 'merge', subresource: 'status' },
    );
    const ks = await waitKustomization(h.client, ns, 'gadget', isReadyAt());
    assert.equal(condition(ks, 'Healthy')?.status, 'True');

    // A failed expression fails fast, long before the 60s timeout.
    await h.client.patch(
      gadgets,
      { name: 'g', namespace: ns },
      { status: { phase: 'Broken' } },
      { type: 'merge', subresource: 'status' },
    );
    const started = Date.now();
    await h.client.patch(
      Kustomizations,
      { name: 'gadget', namespace: ns },
      { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': String(started) } } },
      { type: 'merge' },
    );
    const failed = await waitKustomization(
      h.client,
      ns,
      'gadget',
      isFailing('HealthCheckFailed', `Gadget/${ns}/g`),
      30_000,
    );
    assert.ok(Date.now() - started < 30_000, 'failed fast');
    assert.match(condition(failed, 'Ready')?.message ?? '', /Failed/);
  });
});
