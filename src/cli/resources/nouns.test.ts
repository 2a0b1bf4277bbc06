import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allKinds } from '../../api/kinds.js';
import { closest, kindWords, NOUNS, nounForKindWord } from './nouns.js';

describe('CLI nouns', () => {
  it('name every kind Tide serves exactly once', () => {
    assert.deepEqual(NOUNS.map((n) => n.kind.kind).sort(), allKinds.map((k) => k.kind).sort());
  });

  it('accept kinds, plurals and short names', () => {
    assert.equal(nounForKindWord('Kustomization')?.kind.kind, 'Kustomization');
    assert.equal(nounForKindWord('ks')?.kind.kind, 'Kustomization');
    assert.equal(nounForKindWord('gitrepo')?.kind.kind, 'GitRepository');
    assert.equal(nounForKindWord('HelmRelease')?.kind.kind, 'HelmRelease');
    assert.equal(nounForKindWord('Deployment'), undefined);
  });

  it('suggest close spellings', () => {
    assert.deepEqual(closest('kustomizaton', kindWords()).slice(0, 1), ['kustomization']);
    assert.ok(closest('gitrepostory', kindWords()).includes('gitrepository'), 'gitrepository is suggested');
    assert.deepEqual(closest('zzzzzz', kindWords()), []);
    assert.ok(!closest('gitrepositry', kindWords()).includes('ocirepository'), 'only the closest spellings');
  });
});
