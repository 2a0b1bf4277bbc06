// ArtifactGenerator lifecycle: outputs removed from the spec are deleted with their
// storage, deleting the generator deletes them all, a deleted output is recreated,
// a missing source is waited for, and the disable annotation stops all work.
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ArtifactGenerator } from '../../../api/sourceextensions/artifactgenerator.js';
import { eventually } from '../../../testenv/eventually.js';
import { ArtifactGenerators, ExternalArtifacts } from './resources.js';
import {
  artifactGenerator,
  condition,
  gitSource,
  readExternalArtifact,
  startGeneratorHarness,
  waitGenerator,
  type GeneratorHarness,
} from './testdata/harness.js';

let h: GeneratorHarness;
before(async () => {
  h = await startGeneratorHarness();
});
after(async () => {
  await h.stop();
});

async function exists(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined)) !== undefined;
}

function storageDir(ns: string, name: string): string {
  return path.join(h.storagePath, 'externalartifact', ns, name);
}

const files = { 'a/a.yaml': 'a: 1\n', 'b/b.yaml': 'b: 1\n', 'c/c.yaml': 'c: 1\n' };

function threeArtifacts(ns: string, name: string, names = ['out-a', 'out-b', 'out-c']): ArtifactGenerator {
  return artifactGenerator(ns, name, {
    sources: [{ alias: 'src', kind: 'GitRepository', name: 'src' }],
    artifacts: names.map((n) => ({ name: n, copy: [{ from: `@src/${n.slice(4)}/`, to: '@artifact/' }] })),
  });
}

async function waitGone(ns: string, name: string): Promise<void> {
  await eventually(async () => {
    if ((await readExternalArtifact(h.client, ns, name)) !== undefined)
      throw new Error(`${name} still exists`);
    if (await exists(storageDir(ns, name))) throw new Error(`storage of ${name} still exists`);
  });
}

describe('ArtifactGenerator lifecycle', () => {
  it('deletes an artifact removed from the spec, and all of them with the generator', async (t) => {
    const ns = await h.env.createNamespace(t);
    await gitSource(h, ns, 'src', files);
    await h.client.create(ArtifactGenerators, threeArtifacts(ns, 'gen'));
    await waitGenerator(h.client, ns, 'gen');
    for (const n of ['out-a', 'out-b', 'out-c']) {
      assert.ok(await exists(storageDir(ns, n)), `storage of ${n} exists`);
    }

    await h.client.patch(
      ArtifactGenerators,
      { name: 'gen', namespace: ns },
      threeArtifacts(ns, 'gen', ['out-a', 'out-c']),
    );
    await waitGone(ns, 'out-b');
    const g = await waitGenerator(h.client, ns, 'gen');
    assert.deepEqual(
      g.status?.inventory?.map((e) => e.name),
      ['out-a', 'out-c'],
    );
    assert.ok((await readExternalArtifact(h.client, ns, 'out-a')) !== undefined, 'out-a kept');

    await h.client.delete(ArtifactGenerators, { name: 'gen', namespace: ns });
    await waitGone(ns, 'out-a');
    await waitGone(ns, 'out-c');
    await eventually(async () => {
      const left = await h.client.list(ArtifactGenerators, { namespace: ns });
      if (left.items.length > 0) throw new Error('generator not finalized yet');
    });
  });

  it('recreates a generated ExternalArtifact someone deleted', async (t) => {
    const ns = await h.env.createNamespace(t);
    await gitSource(h, ns, 'src', files);
    await h.client.create(ArtifactGenerators, threeArtifacts(ns, 'gen', ['out-a']));
    await waitGenerator(h.client, ns, 'gen');
    const first = await readExternalArtifact(h.client, ns, 'out-a');
    await h.client.delete(ExternalArtifacts, { name: 'out-a', namespace: ns });
    const again = await eventually(async () => {
      const ea = await readExternalArtifact(h.client, ns, 'out-a');
      if (ea === undefined || ea.metadata.uid === first?.metadata.uid) throw new Error('not recreated yet');
      if (ea.status?.artifact === undefined) throw new Error('no artifact yet');
      return ea;
    });
    assert.equal(
      again.status?.artifact?.digest,
      first?.status?.artifact?.digest,
      'same content, same digest',
    );
  });

  it('waits for a missing source, then builds once it is ready', async (t) => {
    const ns = await h.env.createNamespace(t);
    await h.client.create(ArtifactGenerators, threeArtifacts(ns, 'gen', ['out-a']));
    const waiting = await waitGenerator(h.client, ns, 'gen', 'False');
    assert.equal(condition(waiting, 'Ready')?.reason, 'SourceFetchFailed');
    assert.match(
      condition(waiting, 'Ready')?.message ?? '',
      new RegExp(`GitRepository '${ns}/src'.*not found`),
    );
    assert.equal(condition(waiting, 'Stalled'), undefined, 'not stalled: it will retry');
    await gitSource(h, ns, 'src', files);
    await waitGenerator(h.client, ns, 'gen');
    assert.ok((await readExternalArtifact(h.client, ns, 'out-a')) !== undefined, 'out-a built');
  });

  it('does no work while disabled and catches up when enabled again', async (t) => {
    const ns = await h.env.createNamespace(t);
    await gitSource(h, ns, 'src', files);
    await h.client.create(ArtifactGenerators, threeArtifacts(ns, 'gen', ['out-a']));
    const ready = await waitGenerator(h.client, ns, 'gen');
    const disable = { metadata: { annotations: { 'source.extensions.fluxcd.io/reconcile': 'disabled' } } };
    await h.client.patch(ArtifactGenerators, { name: 'gen', namespace: ns }, disable);
    await eventually(() => {
      const seen = h.watcherLogs.some(
        (l) => l.includes('reconciliation is disabled') && l.includes(`${ns}/gen`),
      );
      if (!seen) throw new Error('disable not seen yet');
    });
    await h.client.patch(
      ArtifactGenerators,
      { name: 'gen', namespace: ns },
      threeArtifacts(ns, 'gen', ['out-a', 'out-b']),
    );
    await eventually(() => {
      const count = h.watcherLogs.filter(
        (l) => l.includes('reconciliation is disabled') && l.includes(`${ns}/gen`),
      ).length;
      if (count < 2) throw new Error('spec change not seen yet');
    });
    const disabled = await h.client.get<ArtifactGenerator>(ArtifactGenerators, 'gen', ns);
    assert.deepEqual(disabled.status, ready.status, 'status untouched while disabled');
    assert.equal(
      await readExternalArtifact(h.client, ns, 'out-b'),
      undefined,
      'no new artifact while disabled',
    );

    const enable = { metadata: { annotations: { 'source.extensions.fluxcd.io/reconcile': null } } };
    await h.client.patch(ArtifactGenerators, { name: 'gen', namespace: ns }, enable);
    await waitGenerator(h.client, ns, 'gen', 'True', (g) => {
      assert.equal(g.status?.inventory?.length, 2, 'both artifacts');
    });
  });
});
