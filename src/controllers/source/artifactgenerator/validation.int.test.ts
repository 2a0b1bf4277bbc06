// ArtifactGenerator validation: copy paths that leave the source or the artifact stall
// the generator with a message naming the artifact and the field, and nothing is built.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CopyOperation } from '../../../api/sourceextensions/artifactgenerator.js';
import { ArtifactGenerators } from './resources.js';
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

describe('ArtifactGenerator validation', () => {
  const cases: [name: string, copy: CopyOperation, field: RegExp][] = [
    [
      'a source path climbing out',
      { from: '@src/../../etc/*', to: '@artifact/' },
      /spec\.artifacts\[1\]\.copy\[0\]\.from '@src\/\.\.\/\.\.\/etc\/\*'/,
    ],
    [
      'a destination climbing out',
      { from: '@src/a/', to: '@artifact/../x' },
      /spec\.artifacts\[1\]\.copy\[0\]\.to '@artifact\/\.\.\/x'/,
    ],
  ];
  for (const [name, copy, field] of cases) {
    it(`stalls on ${name} and writes nothing`, async (t) => {
      const ns = await h.env.createNamespace(t);
      await gitSource(h, ns, 'src', { 'a/a.yaml': 'a: 1\n' });
      await h.client.create(
        ArtifactGenerators,
        artifactGenerator(ns, 'gen', {
          sources: [{ alias: 'src', kind: 'GitRepository', name: 'src' }],
          artifacts: [
            { name: 'fine', copy: [{ from: '@src/a/', to: '@artifact/' }] },
            { name: 'escape', copy: [copy] },
          ],
        }),
      );
      const g = await waitGenerator(h.client, ns, 'gen', 'False');
      const stalled = condition(g, 'Stalled');
      assert.ok(stalled !== undefined, 'Stalled is set');
      assert.equal(stalled.status, 'True');
      assert.equal(stalled.reason, 'ValidationFailed');
      assert.match(stalled.message, /^artifact 'escape': /);
      assert.match(stalled.message, field);
      assert.equal(condition(g, 'Ready')?.reason, 'ValidationFailed');
      assert.equal(condition(g, 'Reconciling'), undefined, 'not retrying');
      assert.equal(g.status?.inventory, undefined);
      for (const n of ['fine', 'escape']) {
        assert.equal(await readExternalArtifact(h.client, ns, n), undefined, `no ExternalArtifact ${n}`);
      }
      const stored = await readdir(path.join(h.storagePath, 'externalartifact', ns)).catch(() => []);
      assert.deepEqual(stored, [], 'nothing in storage');
    });
  }
});
