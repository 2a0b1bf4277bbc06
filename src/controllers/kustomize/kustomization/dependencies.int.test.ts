// dependsOn: a chain applies in order; a failing dependency holds its dependents with
// DependencyNotReady naming it, and they proceed once it is fixed; readyExpr decides
// readiness with CEL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoreResources } from '../../../runtime/client/resource.js';
import {
  condition,
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

const cm = (name: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: {a: b}\n`;

interface Stamped {
  metadata: { creationTimestamp?: string };
}

describe('Kustomization dependsOn', () => {
  it('applies a chain of three in order and holds dependents of a failing one until it is fixed', async (t) => {
    const ns = await h.env.createNamespace(t);
    const repo = await gitSource(h, ns, 'repo', {
      'one/cm.yaml': cm('one'),
      'two/cm.yaml': cm('two'),
      'three/cm.yaml': cm('three'),
      'broken/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata: {a: [not, a, string]}\n',
    });
    // Created in reverse so order can only come from dependsOn.
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'three', { path: './three', targetNamespace: ns, dependsOn: [{ name: 'two' }] }),
    );
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'two', { path: './two', targetNamespace: ns, dependsOn: [{ name: 'one' }] }),
    );
    await h.client.create(Kustomizations, kustomization(ns, 'one', { path: './one', targetNamespace: ns }));
    for (const name of ['one', 'two', 'three']) await waitKustomization(h.client, ns, name, isReadyAt());
    const created = await Promise.all(
      ['one', 'two', 'three'].map(async (name) =>
        Date.parse(
          (
            await h.client.get<Stamped & { apiVersion: string; kind: string; metadata: { name: string } }>(
              CoreResources.ConfigMap,
              name,
              ns,
            )
          ).metadata.creationTimestamp ?? '',
        ),
      ),
    );
    const [one = 0, two = 0, three = 0] = created;
    assert.ok(one <= two && two <= three, `apply order ${created.join(' ')}`);

    // A dependency that fails holds its dependent, naming it.
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'needs-broken', {
        path: './one',
        targetNamespace: ns,
        namePrefix: 'nb-',
        dependsOn: [{ name: 'broken' }],
      }),
    );
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'broken', { path: './broken', targetNamespace: ns }),
    );
    await waitKustomization(h.client, ns, 'broken', isFailing('ReconciliationFailed'));
    const held = await waitKustomization(
      h.client,
      ns,
      'needs-broken',
      isFailing('DependencyNotReady', `dependency '${ns}/broken' is not ready`),
    );
    assert.equal(condition(held, 'Ready')?.reason, 'DependencyNotReady');

    // Fixed: the dependency becomes ready and the dependent proceeds.
    await repo.commit({ 'broken/cm.yaml': cm('broken') });
    await waitKustomization(h.client, ns, 'broken', isReadyAt());
    await waitKustomization(h.client, ns, 'needs-broken', isReadyAt());
    const nb = await h.client.get(CoreResources.ConfigMap, 'nb-one', ns);
    assert.equal(nb.metadata.name, 'nb-one');
  });

  it('uses readyExpr instead of the built-in check', async (t) => {
    const ns = await h.env.createNamespace(t);
    await gitSource(h, ns, 'repo', { 'a/cm.yaml': cm('a'), 'b/cm.yaml': cm('b') });
    // The dependency is suspended and never ready; the expression only asks for a label.
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'dep', { path: './a', targetNamespace: ns, suspend: true }),
    );
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'user', {
        path: './b',
        targetNamespace: ns,
        dependsOn: [
          {
            name: 'dep',
            readyExpr:
              "has(dep.metadata.labels) && 'go' in dep.metadata.labels && dep.metadata.labels['go'] == self.metadata.name",
          },
        ],
      }),
    );
    await waitKustomization(h.client, ns, 'user', isFailing('DependencyNotReady', 'readyExpr'));
    await h.client.patch(
      Kustomizations,
      { name: 'dep', namespace: ns },
      { metadata: { labels: { go: 'user' } } },
      { type: 'merge' },
    );
    await waitKustomization(h.client, ns, 'user', isReadyAt(), 30_000);
    const dep = await readKustomization(h.client, ns, 'dep');
    assert.notEqual(condition(dep, 'Ready')?.status, 'True');
  });
});
