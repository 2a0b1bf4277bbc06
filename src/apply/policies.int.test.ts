// Per-object policies: ssa IfNotPresent and Ignore, reconcile disabled, set on the
// manifest or on the live object.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { configMap, getOrUndefined, Res, useTestbed } from './testdata/testbed.js';

const bed = await useTestbed();

type ConfigMap = KubeObject & { data?: Record<string, string> };

describe('apply policies', () => {
  it('IfNotPresent creates an absent object and then leaves it alone', async (t) => {
    const ns = await bed.namespace(t);
    const engine = bed.engine();
    const ifNotPresent = { annotations: { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' } };
    const first = await engine.apply([configMap(ns, 'seed', { v: '1' }, ifNotPresent)], bed.applyOpts());
    assert.equal(first[0]?.action, 'created');
    const second = await engine.apply([configMap(ns, 'seed', { v: '2' }, ifNotPresent)], bed.applyOpts());
    assert.equal(second[0]?.action, 'skipped');
    assert.deepEqual((await bed.client.get<ConfigMap>(Res.ConfigMap, 'seed', ns)).data, { v: '1' });
  });

  it('IfNotPresent skips an existing object even when its dry run would fail', async (t) => {
    const ns = await bed.namespace(t);
    await bed.client.create(Res.ConfigMap, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'frozen', namespace: ns },
      immutable: true,
      data: { v: '1' },
    } as KubeObject);
    const frozen = {
      ...configMap(
        ns,
        'frozen',
        { v: '2' },
        { annotations: { 'kustomize.toolkit.fluxcd.io/ssa': 'ifnotpresent' } },
      ),
      immutable: true,
    } as KubeObject;
    const entries = await bed.engine().apply([frozen], bed.applyOpts());
    assert.equal(entries[0]?.action, 'skipped');
  });

  it('Ignore and reconcile: disabled on the manifest are never written', async (t) => {
    const ns = await bed.namespace(t);
    const entries = await bed
      .engine()
      .apply(
        [
          configMap(
            ns,
            'ignored',
            { a: 'b' },
            { annotations: { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' } },
          ),
          configMap(
            ns,
            'disabled',
            { a: 'b' },
            { labels: { 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' } },
          ),
          configMap(ns, 'normal', { a: 'b' }),
        ],
        bed.applyOpts(),
      );
    assert.deepEqual(
      entries.map((e) => [e.subject, e.action]),
      [
        [`ConfigMap/${ns}/disabled`, 'skipped'],
        [`ConfigMap/${ns}/ignored`, 'skipped'],
        [`ConfigMap/${ns}/normal`, 'created'],
      ],
    );
    assert.equal(
      await getOrUndefined(bed.client, Res.ConfigMap, 'ignored', ns),
      undefined,
      'ignored not created',
    );
    assert.equal(
      await getOrUndefined(bed.client, Res.ConfigMap, 'disabled', ns),
      undefined,
      'disabled not created',
    );
  });

  it('reconcile: disabled or ssa: Ignore set on the live object stops applying it', async (t) => {
    const ns = await bed.namespace(t);
    const engine = bed.engine();
    await engine.apply([configMap(ns, 'a', { v: '1' }), configMap(ns, 'b', { v: '1' })], bed.applyOpts());
    await bed.client.patch(
      Res.ConfigMap,
      { name: 'a', namespace: ns },
      { metadata: { annotations: { 'kustomize.toolkit.fluxcd.io/reconcile': 'Disabled' } } },
    );
    await bed.client.patch(
      Res.ConfigMap,
      { name: 'b', namespace: ns },
      { metadata: { labels: { 'kustomize.toolkit.fluxcd.io/ssa': 'ignore' } } },
    );
    const entries = await engine.apply(
      [configMap(ns, 'a', { v: '2' }), configMap(ns, 'b', { v: '2' })],
      bed.applyOpts(),
    );
    assert.deepEqual(
      entries.map((e) => e.action),
      ['skipped', 'skipped'],
    );
    assert.deepEqual((await bed.client.get<ConfigMap>(Res.ConfigMap, 'a', ns)).data, { v: '1' });
    assert.deepEqual((await bed.client.get<ConfigMap>(Res.ConfigMap, 'b', ns)).data, { v: '1' });
  });
});
