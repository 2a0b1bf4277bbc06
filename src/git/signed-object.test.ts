import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitCommit, splitTag } from './signed-object.js';

const COMMIT_HEAD =
  'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n';
const SIG = '-----BEGIN PGP SIGNATURE-----\n\nabc\n=x\n-----END PGP SIGNATURE-----';

describe('splitCommit', () => {
  it('removes the gpgsig header and its continuation lines from the payload', () => {
    const indented = SIG.split('\n')
      .map((l, i) => (i === 0 ? l : ` ${l}`))
      .join('\n');
    const raw = Buffer.from(`${COMMIT_HEAD}gpgsig ${indented}\n\nmessage\n`);
    const split = splitCommit(raw);
    assert.equal(split.format, 'openpgp');
    assert.equal(split.signature, `${SIG}\n`);
    assert.equal(split.payload.toString(), `${COMMIT_HEAD}\nmessage\n`);
  });
  it('reports an unsigned commit', () => {
    const raw = Buffer.from(`${COMMIT_HEAD}\nmessage\n`);
    assert.deepEqual(splitCommit(raw), { payload: raw, signature: undefined, format: undefined });
  });
  it('ignores a gpgsig-sha256 header in a SHA-1 repository', () => {
    const raw = Buffer.from(`${COMMIT_HEAD}gpgsig-sha256 ${SIG.replace(/\n/g, '\n ')}\n\nmessage\n`);
    assert.equal(splitCommit(raw).signature, undefined);
  });
});

describe('splitTag', () => {
  const head =
    'object 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ntype commit\ntag v1\ntagger A <a@x> 1 +0000\n\nrelease\n';
  it('splits at the last signature marker that starts a line', () => {
    const ssh = '-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n';
    const split = splitTag(Buffer.from(head + ssh));
    assert.equal(split.format, 'ssh');
    assert.equal(split.payload.toString(), head);
    assert.equal(split.signature, ssh);
  });
  it('does not take a marker inside a line for a signature', () => {
    const raw = Buffer.from(`${head}see -----BEGIN PGP SIGNATURE----- here\n`);
    assert.equal(splitTag(raw).signature, undefined);
  });
});
