import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadIgnoreRules, scopePatterns } from './ignore.js';
import { ArtifactStorage } from './storage.js';
import { untar } from './untar.js';
import { readdir } from 'node:fs/promises';

describe('loadIgnoreRules', () => {
  let tmp: string;
  let n = 0;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tide-ignore-test-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function repo(files: Record<string, string>): Promise<string> {
    const root = path.join(tmp, `repo-${++n}`);
    for (const [rel, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), content);
    }
    return root;
  }

  type Case = [path: string, isDir: boolean, ignored: boolean];
  function check(fn: (p: string, d: boolean) => boolean, cases: Case[]): void {
    for (const [p, isDir, want] of cases)
      assert.equal(fn(p, isDir), want, `${p}${isDir ? '/' : ''} ignored=${want}`);
  }

  it('applies the Flux default exclusions', async () => {
    const root = await repo({ 'app.yaml': '' });
    check(await loadIgnoreRules(root, {}), [
      ['.git', true, true],
      ['.gitignore', false, true],
      ['.gitmodules', false, true],
      ['logo.png', false, true],
      ['docs/img/x.JPG', false, false],
      ['docs/img/x.jpg', false, true],
      ['charts/c.tar.gz', false, true],
      ['.github', true, true],
      ['.circleci', true, true],
      ['.travis.yml', false, true],
      ['sub/.sops.yaml', false, true],
      ['.flux.yaml', false, true],
      ['.goreleaser.yml', false, true],
      ['app.yaml', false, false],
      ['deploy/kustomization.yaml', false, false],
      ['.sourceignore', false, false],
    ]);
  });

  it('lets a root .sourceignore overrule defaults and add patterns', async () => {
    const root = await repo({ '.sourceignore': '!*.png\n# comment\n*.md\n!README.md\n/build/\n' });
    check(await loadIgnoreRules(root, {}), [
      ['logo.png', false, false],
      ['docs/a.md', false, true],
      ['README.md', false, false],
      ['build', true, true],
      ['sub/build', true, false],
      ['x.jpg', false, true],
    ]);
  });

  it('scopes a nested .sourceignore to its directory', async () => {
    const root = await repo({
      'sub/.sourceignore': '*.txt\n/only.yaml\ndeep/x.yaml\n!keep.png\n',
      'sub/deep/.sourceignore': '!z.txt\n',
    });
    check(await loadIgnoreRules(root, {}), [
      ['a.txt', false, false],
      ['sub/a.txt', false, true],
      ['sub/deeper/b.txt', false, true],
      ['sub/deep/z.txt', false, false],
      ['sub/only.yaml', false, true],
      ['sub/deep/only.yaml', false, false],
      ['only.yaml', false, false],
      ['sub/deep/x.yaml', false, true],
      ['deep/x.yaml', false, false],
      ['sub/keep.png', false, false],
      ['keep.png', false, true],
    ]);
  });

  it('replaces the defaults with spec.ignore, applied last, but always excludes .git', async () => {
    const root = await repo({ '.sourceignore': '*.md\n' });
    check(await loadIgnoreRules(root, { ignore: '*.yaml\n!README.md\n!.git/\n' }), [
      ['logo.png', false, false],
      ['.github', true, false],
      ['app.yaml', false, true],
      ['docs/guide.md', false, true],
      ['README.md', false, false],
      ['.git', true, true],
      ['sub/.git', true, true],
      ['.git/config', false, true],
      ['.gitignore', false, false],
    ]);
  });

  it('re-includes a default-excluded directory with a negation', async () => {
    const root = await repo({ '.sourceignore': '!.github/\n' });
    check(await loadIgnoreRules(root, {}), [
      ['.github', true, false],
      ['.github/workflows/ci.yml', false, false],
    ]);
  });

  it('rewrites nested patterns to root-anchored ones', () => {
    assert.deepEqual(scopePatterns(['*.txt', '/a', 'b/c', '!d/', '# c', '', '**/e'], 'x/y'), [
      '/x/y/**/*.txt',
      '/x/y/a',
      '/x/y/b/c',
      '!/x/y/**/d/',
      '/x/y/**/e',
    ]);
  });

  it('drives archiveDirectory end to end', async () => {
    const root = await repo({
      'deploy/app.yaml': 'a',
      'deploy/notes.md': 'n',
      'logo.png': 'p',
      '.git/HEAD': 'ref',
      '.github/workflows/ci.yml': 'ci',
      'deploy/.sourceignore': '*.md\n',
    });
    const storage = await ArtifactStorage.open({ root: path.join(tmp, 'storage'), advertisedAddress: 'x' });
    const art = await storage.archiveDirectory({ kind: 'GitRepository', namespace: 'ns', name: 'n' }, root, {
      filename: 'a.tar.gz',
      revision: 'r',
      ignore: await loadIgnoreRules(root, {}),
    });
    const out = path.join(tmp, 'out');
    await untar(createReadStream(storage.localPath(art)), out, { maxBytes: 1 << 20 });
    assert.deepEqual((await readdir(out, { recursive: true })).sort(), [
      'deploy',
      'deploy/.sourceignore',
      'deploy/app.yaml',
    ]);
  });
});
