// Garbage collection: owned objects deleted, others kept, a rejected delete
// reported without stopping the rest; waiting for termination.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { eventually } from '../testenv/eventually.js';
import { TerminationTimeoutError } from './engine.js';
import { inventoryOf } from './inventory.js';
import { objectId } from './object-id.js';
import {
  configMap,
  deleteAfter,
  getOrUndefined,
  OWNER,
  Res,
  suffix,
  useTestbed,
} from './testdata/testbed.js';

const bed = await useTestbed();

const ref = (
  namespace: string,
  name: string,
  group = '',
  kind = 'ConfigMap',
  v = 'v1',
): { id: string; v: string } => ({
  id: objectId({ namespace, name, group, kind }),
  v,
});

/** A ValidatingAdmissionPolicy denying DELETE of ConfigMaps labelled `label: "true"` in ns; active when this returns. */
async function denyDeletes(t: { after(fn: () => unknown): void }, ns: string, label: string): Promise<void> {
  const name = `tide-apply-deny-${suffix()}`;
  deleteAfter(t, bed.client, Res.VAPBinding, name);
  deleteAfter(t, bed.client, Res.VAP, name);
  await bed.client.create(Res.VAP, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          { apiGroups: [''], apiVersions: ['v1'], operations: ['DELETE'], resources: ['configmaps'] },
        ],
      },
      validations: [{ expression: 'false', message: 'deletion denied by test policy' }],
    },
  });
  await bed.client.create(Res.VAPBinding, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name },
    spec: {
      policyName: name,
      validationActions: ['Deny'],
      matchResources: {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
        objectSelector: { matchLabels: { [label]: 'true' } },
      },
    },
  });
  await bed.client.create(Res.ConfigMap, configMap(ns, 'deny-probe', {}, { labels: { [label]: 'true' } }));
  await eventually(
    async () => {
      const denied = await bed.client
        .request({
          method: 'DELETE',
          path: `/api/v1/namespaces/${ns}/configmaps/deny-probe`,
          query: { dryRun: 'All' },
        })
        .then(
          () => false,
          (e: unknown) => e instanceof Error && e.message.includes('deletion denied by test policy'),
        );
      assert.ok(denied, 'policy not active yet');
    },
    { timeoutMs: 30_000, message: 'waiting for the admission policy' },
  );
}

describe('prune', () => {
  it('deletes owned objects only, skips opted-out and gone ones, reports a rejected delete', async (t) => {
    const ns = await bed.namespace(t);
    const label = `tide-deny-${suffix()}`;
    await denyDeletes(t, ns, label);
    const engine = bed.engine();
    await engine.apply(
      [
        configMap(ns, 'owned-a', {}),
        configMap(ns, 'owned-b', {}),
        configMap(ns, 'other-owner', {}, { labels: { 'kustomize.toolkit.fluxcd.io/name': 'someone-else' } }),
        configMap(ns, 'keep', {}, { annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'Disabled' } }),
        configMap(ns, 'ignored', {}, { labels: { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' } }),
        configMap(ns, 'denied', {}, { labels: { [label]: 'true' } }),
      ],
      bed.applyOpts(),
    );
    // ssa: Ignore on the manifest means it was never written; create it by hand.
    await bed.client.create(
      Res.ConfigMap,
      configMap(ns, 'ignored', {}, { labels: { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' } }),
    );
    const stale = [
      ref(ns, 'owned-a'),
      ref(ns, 'denied'),
      ref(ns, 'other-owner'),
      ref(ns, 'keep'),
      ref(ns, 'ignored'),
      ref(ns, 'already-gone'),
      ref(ns, 'w', `gone${suffix()}.tide.dev`, 'Widget'),
      ref(ns, 'owned-b'),
      { id: 'not-an-id', v: 'v1' },
    ];
    const result = await engine.prune(stale, { ownerLabels: OWNER, signal: AbortSignal.timeout(60_000) });
    const actions = Object.fromEntries(result.entries.map((e) => [e.subject, e.action]));
    assert.deepEqual(actions, {
      [`ConfigMap/${ns}/owned-a`]: 'deleted',
      [`ConfigMap/${ns}/owned-b`]: 'deleted',
      [`ConfigMap/${ns}/other-owner`]: 'skipped',
      [`ConfigMap/${ns}/keep`]: 'skipped',
      [`ConfigMap/${ns}/ignored`]: 'skipped',
      [`ConfigMap/${ns}/already-gone`]: 'skipped',
      [`Widget/${ns}/w`]: 'skipped',
    });
    assert.deepEqual(
      result.failed.map((f) => f.subject),
      ['not-an-id', `ConfigMap/${ns}/denied`],
    );
    const denied = result.failed[1];
    assert.deepEqual(denied?.ref, ref(ns, 'denied'));
    assert.match(
      denied.message,
      new RegExp(`^ConfigMap/${ns}/denied delete failed \\(\\w+\\): .*deletion denied by test policy`),
    );

    for (const name of ['owned-a', 'owned-b']) {
      await eventually(async () => {
        assert.equal(
          await getOrUndefined(bed.client, Res.ConfigMap, name, ns),
          undefined,
          `${name} still present`,
        );
      });
    }
    for (const name of ['other-owner', 'keep', 'ignored', 'denied']) {
      assert.notEqual(
        await getOrUndefined(bed.client, Res.ConfigMap, name, ns),
        undefined,
        `${name} was deleted`,
      );
    }

    await engine.waitForTermination(
      [ref(ns, 'owned-a'), ref(ns, 'w', `gone${suffix()}.tide.dev`, 'Widget')],
      {
        timeoutMs: 10_000,
        signal: AbortSignal.timeout(20_000),
      },
    );
    const timeout = await engine
      .waitForTermination([ref(ns, 'owned-b'), ref(ns, 'denied')], {
        timeoutMs: 1_200,
        signal: AbortSignal.timeout(20_000),
      })
      .then(
        () => assert.fail('waitForTermination resolved'),
        (e: unknown) => e,
      );
    assert.ok(timeout instanceof TerminationTimeoutError, `TerminationTimeoutError, got ${String(timeout)}`);
    assert.deepEqual(timeout.survivors, [`ConfigMap/${ns}/denied`]);
    assert.match(timeout.message, new RegExp(`waiting for termination of ConfigMap/${ns}/denied$`));
  });

  it('deletes namespaced objects before their Namespace', async (t) => {
    const name = `apply-prune-${suffix()}`;
    deleteAfter(t, bed.client, Res.Namespace, name);
    const engine = bed.engine();
    const namespace = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: OWNER },
    } as KubeObject;
    const applied = await engine.apply(
      [namespace, configMap(name, 'cm', {}), configMap(name, 'cm2', {})],
      bed.applyOpts(),
    );
    const result = await engine.prune(inventoryOf(applied).entries, {
      ownerLabels: OWNER,
      signal: AbortSignal.timeout(60_000),
    });
    assert.deepEqual(result.failed, []);
    assert.deepEqual(
      result.entries.map((e) => [e.subject, e.action]),
      [
        [`ConfigMap/${name}/cm2`, 'deleted'],
        [`ConfigMap/${name}/cm`, 'deleted'],
        [`Namespace/${name}`, 'deleted'],
      ],
    );
    await engine.waitForTermination(inventoryOf(applied).entries, {
      timeoutMs: 60_000,
      signal: AbortSignal.timeout(90_000),
    });
    assert.equal(await getOrUndefined(bed.client, Res.Namespace, name), undefined, 'namespace gone');
  });
});
