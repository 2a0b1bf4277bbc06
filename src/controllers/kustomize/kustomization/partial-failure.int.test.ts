// Partial failure never deletes desired state: an apply cut off after k of n writes
// keeps the old inventory and prunes nothing until a later attempt converges; a
// missing path is an error that keeps everything, while an empty path is a valid,
// empty build that prunes all; a rejected delete keeps its object in the inventory
// until it goes; an object whose owner labels name another Kustomization is never
// pruned.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Kustomization } from '../../../api/kustomize/kustomization.js';
import type { KubeObject } from '../../../api/object.js';
import { isNotFound } from '../../../runtime/client/errors.js';
import { CoreResources, type ResourceType } from '../../../runtime/client/resource.js';
import { eventually } from '../../../testenv/eventually.js';
import { startFaultProxy, type FaultProxy } from '../../../testenv/fault-proxy.js';
import {
  condition,
  createSecret,
  getOrUndefined,
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

const ValidatingAdmissionPolicies: ResourceType = {
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  plural: 'validatingadmissionpolicies',
  kind: 'ValidatingAdmissionPolicy',
  namespaced: false,
};
const ValidatingAdmissionPolicyBindings: ResourceType = {
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  plural: 'validatingadmissionpolicybindings',
  kind: 'ValidatingAdmissionPolicyBinding',
  namespaced: false,
};

const PROTECT_LABEL = 'tide.test/protect';
const OWNER_NAME_LABEL = 'kustomize.toolkit.fluxcd.io/name';

type ConfigMap = KubeObject & { data?: Record<string, string> };

let h: KustomizeHarness;
let proxy: FaultProxy;
before(async () => {
  h = await startKustomizeHarness();
  proxy = await startFaultProxy(h.env.kc);
});
after(async () => {
  await proxy.close();
  await h.stop();
});

function configMap(name: string, data: Record<string, string>, labels: Record<string, string> = {}): string {
  const labelLines = Object.entries(labels)
    .map(([k, v]) => `    ${k}: "${v}"\n`)
    .join('');
  const dataLines = Object.entries(data)
    .map(([k, v]) => `  ${k}: "${v}"\n`)
    .join('');
  return (
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n` +
    (labelLines === '' ? '' : `  labels:\n${labelLines}`) +
    `data:\n${dataLines}`
  );
}

function inventoryIds(k: Kustomization): string[] {
  return (k.status?.inventory?.entries ?? []).map((e) => e.id).sort();
}

const cmId = (ns: string, name: string): string => `${ns}_${name}__ConfigMap`;

async function getConfigMap(ns: string, name: string): Promise<ConfigMap | undefined> {
  return getOrUndefined(() => h.client.get<ConfigMap>(CoreResources.ConfigMap, name, ns));
}

async function requestReconcile(ns: string, name: string): Promise<string> {
  const token = `${new Date().toISOString()}-${randomBytes(3).toString('hex')}`;
  await h.client.patch(
    Kustomizations,
    { name, namespace: ns },
    { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } } },
    { type: 'merge' },
  );
  return token;
}

async function setPath(ns: string, name: string, path: string): Promise<void> {
  await h.client.patch(Kustomizations, { name, namespace: ns }, { spec: { path } }, { type: 'merge' });
}

/** Deletes a cluster-scoped object when the test ends (ignores NotFound). */
function deleteAfter(t: { after(fn: () => unknown): void }, res: ResourceType, name: string): void {
  t.after(async () => {
    await h.client.delete(res, { name }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  });
}

/**
 * A ValidatingAdmissionPolicy and Binding denying DELETE of ConfigMaps labelled
 * `tide.test/protect: "<ns>"`; resolves once the API server enforces it, returns its name.
 */
async function protectConfigMaps(t: { after(fn: () => unknown): void }, ns: string): Promise<string> {
  const name = `tide-protect-${randomBytes(4).toString('hex')}`;
  deleteAfter(t, ValidatingAdmissionPolicyBindings, name);
  deleteAfter(t, ValidatingAdmissionPolicies, name);
  await h.client.create(ValidatingAdmissionPolicies, {
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
      validations: [{ expression: "request.operation != 'DELETE'", message: 'protected by the test policy' }],
    },
  });
  await h.client.create(ValidatingAdmissionPolicyBindings, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name },
    spec: {
      policyName: name,
      validationActions: ['Deny'],
      matchResources: { objectSelector: { matchLabels: { [PROTECT_LABEL]: ns } } },
    },
  });
  await h.client.create(CoreResources.ConfigMap, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'protect-probe', namespace: ns, labels: { [PROTECT_LABEL]: ns } },
  });
  await eventually(
    async () => {
      const denied = await h.client
        .request({
          method: 'DELETE',
          path: `/api/v1/namespaces/${ns}/configmaps/protect-probe`,
          query: { dryRun: 'All' },
        })
        .then(
          () => false,
          (err: unknown) => err instanceof Error && err.message.includes('protected by the test policy'),
        );
      assert.ok(denied, 'the policy is not enforced yet');
    },
    { timeoutMs: 30_000 },
  );
  return name;
}

/** Ready=False because spec.path ./missing is not in the artifact (reason checked separately). */
function isNotFoundPath(k: Kustomization): void {
  const ready = condition(k, 'Ready');
  if (ready?.status !== 'False' || !/path not found.*\.\/missing/.test(ready.message)) {
    throw new Error(
      `Ready is ${ready?.status ?? 'absent'} (${ready?.reason ?? ''}: ${ready?.message ?? ''})`,
    );
  }
}

describe('Kustomization partial failure', () => {
  it('item 35: an apply cut off after 4 writes keeps the old inventory and prunes nothing, then converges', async (t) => {
    const ns = await h.env.createNamespace(t);
    const names = Array.from({ length: 10 }, (_, i) => `cm-${i}`);
    const files = (version: string): Record<string, string> =>
      Object.fromEntries(names.map((n) => [`${n}.yaml`, configMap(n, { version })]));
    const repo = await gitSource(h, ns, 'repo', {
      ...files('1'),
      'stale.yaml': configMap('stale', { version: '1' }),
    });
    await createSecret(h.client, ns, 'proxy-kubeconfig', { value: proxy.kubeconfig });
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'cut', {
        targetNamespace: ns,
        kubeConfig: { secretRef: { name: 'proxy-kubeconfig' } },
      }),
    );
    const ready = await waitKustomization(h.client, ns, 'cut', isReadyAt());
    const oldRevision = ready.status?.lastAppliedRevision;
    const oldInventory = ready.status?.inventory;
    assert.deepEqual(inventoryIds(ready), [...names, 'stale'].map((n) => cmId(ns, n)).sort());

    proxy.failWritesAfter(4);
    t.after(() => {
      proxy.heal();
    });
    const failedBefore = proxy.requests.filter((r) => r.failed).length;
    const second = await repo.commit({ ...files('2'), 'stale.yaml': null });
    const failing = await waitKustomization(h.client, ns, 'cut', (k) => {
      const ready = condition(k, 'Ready');
      if (ready?.status !== 'False' || k.status?.lastAttemptedRevision !== `main@sha1:${second}`) {
        throw new Error(`Ready is ${ready?.status ?? 'absent'}: ${ready?.message ?? ''}`);
      }
    });
    t.diagnostic(`Ready message: ${condition(failing, 'Ready')?.message ?? ''}`);
    assert.ok(proxy.requests.filter((r) => r.failed).length > failedBefore, 'the proxy broke no write');
    assert.match(condition(failing, 'Ready')?.message ?? '', new RegExp(`ConfigMap/${ns}/cm-\\d`));
    assert.equal(failing.status?.lastAppliedRevision, oldRevision);
    assert.deepEqual(failing.status?.inventory, oldInventory);
    assert.notEqual(await getConfigMap(ns, 'stale'), undefined, 'stale was pruned after a failed apply');
    const versions = await Promise.all(names.map(async (n) => (await getConfigMap(ns, n))?.data?.version));
    const changed = versions.filter((v) => v === '2').length;
    assert.ok(changed <= 4, `${changed} objects changed with only 4 writes allowed`);
    assert.ok(
      versions.every((v) => v === '1' || v === '2'),
      `every object is still there: ${versions.join(',')}`,
    );

    proxy.heal();
    const converged = await waitKustomization(h.client, ns, 'cut', isReadyAt(`main@sha1:${second}`));
    assert.deepEqual(
      inventoryIds(converged),
      names.map((n) => cmId(ns, n)),
    );
    for (const n of names) assert.equal((await getConfigMap(ns, n))?.data?.version, '2', n);
    assert.equal(await getConfigMap(ns, 'stale'), undefined, 'stale is pruned once the apply succeeds');
  });

  it('item 35: a missing path fails and keeps everything; an empty path is valid and prunes all', async (t) => {
    const ns = await h.env.createNamespace(t);
    await gitSource(h, ns, 'repo', {
      'a/one.yaml': configMap('one', { a: 'b' }),
      'a/two.yaml': configMap('two', { a: 'b' }),
      'empty-kustomization/kustomization.yaml':
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n',
      'readme-only/README.md': '# nothing to deploy here\n',
    });
    await h.client.create(Kustomizations, kustomization(ns, 'paths', { path: './a', targetNamespace: ns }));
    const ready = await waitKustomization(h.client, ns, 'paths', isReadyAt());
    const inventory = ready.status?.inventory;
    assert.deepEqual(inventoryIds(ready), [cmId(ns, 'one'), cmId(ns, 'two')]);

    await setPath(ns, 'paths', './missing');
    const missing = await waitKustomization(h.client, ns, 'paths', (k) => {
      isNotFoundPath(k);
      // Flux stamps status.observedGeneration on success only; the condition carries the generation.
      assert.equal(condition(k, 'Ready')?.observedGeneration, k.metadata.generation);
    });
    t.diagnostic(`missing path: ${condition(missing, 'Ready')?.message ?? ''}`);
    assert.deepEqual(missing.status?.inventory, inventory);
    assert.notEqual(await getConfigMap(ns, 'one'), undefined);
    assert.notEqual(await getConfigMap(ns, 'two'), undefined);

    // Flux treats a path that exists but holds no objects as an empty build: valid, and
    // with prune everything the inventory held is deleted. Both an explicit empty
    // kustomization.yaml and a folder without manifests (Flux generates one) behave so.
    for (const path of ['./empty-kustomization', './readme-only']) {
      await setPath(ns, 'paths', './a');
      await eventually(
        async () => {
          const k = await readKustomization(h.client, ns, 'paths');
          isReadyAt()(k);
          assert.equal(inventoryIds(k).length, 2);
          assert.notEqual(await getConfigMap(ns, 'one'), undefined);
        },
        { timeoutMs: 60_000 },
      );
      await setPath(ns, 'paths', path);
      const empty = await waitKustomization(h.client, ns, 'paths', isReadyAt());
      assert.deepEqual(inventoryIds(empty), [], path);
      assert.equal(await getConfigMap(ns, 'one'), undefined, path);
      assert.equal(await getConfigMap(ns, 'two'), undefined, path);
    }
  });

  it('item 35: a missing path is reported with reason ArtifactFailed, as Flux does', async (t) => {
    const ns = await h.env.createNamespace(t);
    await gitSource(h, ns, 'repo', { 'a/one.yaml': configMap('one', { a: 'b' }) });
    await h.client.create(Kustomizations, kustomization(ns, 'missing', { path: './missing' }));
    const ks = await waitKustomization(h.client, ns, 'missing', isNotFoundPath);
    assert.equal(condition(ks, 'Ready')?.reason, 'ArtifactFailed');
  });

  it('item 36: a denied prune keeps the survivor in the inventory until a later reconcile deletes it', async (t) => {
    const ns = await h.env.createNamespace(t);
    const protectedLabels = { [PROTECT_LABEL]: ns };
    const repo = await gitSource(h, ns, 'repo', {
      'keep.yaml': configMap('keep', { a: 'b' }),
      'stale-1.yaml': configMap('stale-1', { a: 'b' }),
      'stale-2.yaml': configMap('stale-2', { a: 'b' }, protectedLabels),
      'stale-3.yaml': configMap('stale-3', { a: 'b' }),
    });
    await h.client.create(Kustomizations, kustomization(ns, 'gc', { targetNamespace: ns }));
    await waitKustomization(h.client, ns, 'gc', isReadyAt());
    const policy = await protectConfigMaps(t, ns);

    const second = await repo.commit({ 'stale-1.yaml': null, 'stale-2.yaml': null, 'stale-3.yaml': null });
    const failing = await waitKustomization(h.client, ns, 'gc', (k) => {
      isFailing('PruneFailed', `ConfigMap/${ns}/stale-2`)(k);
      assert.equal(k.status?.lastAttemptedRevision, `main@sha1:${second}`);
    });
    t.diagnostic(`Ready message: ${condition(failing, 'Ready')?.message ?? ''}`);
    assert.doesNotMatch(condition(failing, 'Ready')?.message ?? '', /stale-1|stale-3/);
    assert.deepEqual(inventoryIds(failing), [cmId(ns, 'keep'), cmId(ns, 'stale-2')]);
    assert.equal(await getConfigMap(ns, 'stale-1'), undefined);
    assert.equal(await getConfigMap(ns, 'stale-3'), undefined);
    assert.notEqual(await getConfigMap(ns, 'stale-2'), undefined);

    await h.client.delete(ValidatingAdmissionPolicyBindings, { name: policy });
    await h.client.delete(ValidatingAdmissionPolicies, { name: policy });
    const token = await requestReconcile(ns, 'gc');
    const converged = await waitKustomization(h.client, ns, 'gc', (k) => {
      isReadyAt(`main@sha1:${second}`)(k);
      assert.equal(k.status?.lastHandledReconcileAt, token);
    });
    assert.deepEqual(inventoryIds(converged), [cmId(ns, 'keep')]);
    assert.equal(await getConfigMap(ns, 'stale-2'), undefined);
  });

  it('item 36: never prunes an object whose owner labels name another Kustomization', async (t) => {
    const ns = await h.env.createNamespace(t);
    const repo = await gitSource(h, ns, 'repo', {
      'mine.yaml': configMap('mine', { a: 'b' }),
      'adopted.yaml': configMap('adopted', { a: 'b' }),
    });
    await h.client.create(Kustomizations, kustomization(ns, 'first', { targetNamespace: ns }));
    await waitKustomization(h.client, ns, 'first', isReadyAt());
    await h.client.patch(
      CoreResources.ConfigMap,
      { name: 'adopted', namespace: ns },
      { metadata: { labels: { [OWNER_NAME_LABEL]: 'second' } } },
      { type: 'merge' },
    );

    const next = await repo.commit({ 'adopted.yaml': null });
    const ks = await waitKustomization(h.client, ns, 'first', isReadyAt(`main@sha1:${next}`));
    assert.deepEqual(inventoryIds(ks), [cmId(ns, 'mine')]);
    const adopted = await getConfigMap(ns, 'adopted');
    assert.equal(adopted?.metadata.labels?.[OWNER_NAME_LABEL], 'second');

    // Nor when the Kustomization is deleted (deletionPolicy MirrorPrune with prune: true).
    await h.client.delete(Kustomizations, { name: 'first', namespace: ns });
    await eventually(
      async () => {
        assert.equal(await getOrUndefined(() => readKustomization(h.client, ns, 'first')), undefined);
      },
      { timeoutMs: 30_000 },
    );
    assert.equal(await getConfigMap(ns, 'mine'), undefined);
    assert.notEqual(await getConfigMap(ns, 'adopted'), undefined);
  });
});
