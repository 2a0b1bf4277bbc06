import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCorpus, objectFieldPaths, schemaFieldPaths } from './corpus.js';
import { allKinds } from './kinds.js';

describe('manifest corpus', () => {
  for (const kind of allKinds) {
    for (const version of kind.versions.filter((v) => v.served ?? true)) {
      const apiVersion = `${kind.group}/${version.name}`;
      it(`covers every spec field of ${kind.kind} ${version.name} with valid manifests`, async () => {
        const valid = (await loadCorpus(kind, 'valid')).filter((m) => m.object.apiVersion === apiVersion);
        assert.ok(valid.length > 0, `no valid ${apiVersion} ${kind.kind} manifest in the corpus`);
        const present = new Set<string>();
        for (const m of valid) for (const p of objectFieldPaths(m.object.spec)) present.add(p);
        const missing = schemaFieldPaths(version.spec).filter((p) => !present.has(p));
        assert.deepEqual(missing, [], `${kind.kind} ${version.name} fields no valid manifest sets`);
      });
    }
    it(`has invalid ${kind.kind} manifests that each say what the server must report`, async () => {
      const invalid = await loadCorpus(kind, 'invalid');
      assert.ok(invalid.length > 0, `no invalid ${kind.kind} manifest in the corpus`);
      for (const m of invalid) {
        assert.equal(m.object.kind, kind.kind, m.file);
        assert.ok(m.expect.length > 0, `${m.file} has no "# expect:" line`);
      }
    });
  }
});
