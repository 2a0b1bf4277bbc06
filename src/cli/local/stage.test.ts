import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliError } from '../context.js';
import { findSourceRoot, ignorePathsFor, StagedSources } from './stage.js';

async function listTree(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel === '' ? d.name : `${rel}/${d.name}`;
    if (d.isDirectory()) out.push(...(await listTree(dir, r)));
    else out.push(r);
  }
  return out.sort();
}

describe('local source staging', () => {
  let repo: string;
  before(async () => {
    repo = await mkdtemp(path.join(os.tmpdir(), 'tide-stage-test-'));
    const files: Record<string, string> = {
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.sourceignore': 'apps/prod/secret-notes.txt\n',
      'apps/prod/a.yaml': 'a',
      'apps/prod/skip/b.yaml': 'b',
      'apps/prod/secret-notes.txt': 'n',
      'apps/prod/logo.png': 'p',
      'apps/base/c.yaml': 'c',
      '.github/workflows/ci.yaml': 'w',
    };
    for (const [rel, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(repo, rel)), { recursive: true });
      await writeFile(path.join(repo, rel), content);
    }
    await symlink('/etc/passwd', path.join(repo, 'apps/prod/link.yaml'));
  });
  after(async () => {
    await rm(repo, { recursive: true, force: true });
  });

  it('finds the source root: above spec.path, else the git work tree, else the working directory', async () => {
    const prod = path.join(repo, 'apps', 'prod');
    assert.equal(await findSourceRoot(prod, './apps/prod', '/'), repo);
    assert.equal(await findSourceRoot(prod, 'prod', '/'), path.join(repo, 'apps'));
    assert.equal(await findSourceRoot(prod, './', '/'), prod, 'spec.path at the root: --path is the root');
    assert.equal(await findSourceRoot(prod, './elsewhere', '/'), repo, 'no match: the git work tree');
    const bare = await mkdtemp(path.join(os.tmpdir(), 'tide-stage-bare-'));
    try {
      await mkdir(path.join(bare, 'x', 'y'), { recursive: true });
      assert.equal(await findSourceRoot(path.join(bare, 'x', 'y'), 'z', bare), bare);
      assert.equal(
        await findSourceRoot(path.join(bare, 'x', 'y'), 'z', '/nowhere'),
        path.join(bare, 'x', 'y'),
      );
    } finally {
      await rm(bare, { recursive: true, force: true });
    }
  });

  it('copies what an artifact would hold: no .git, defaults, .sourceignore, --ignore-paths or symlinks', async () => {
    const prod = path.join(repo, 'apps', 'prod');
    const staged = new StagedSources({ root: repo, patterns: ignorePathsFor(repo, prod, ['/skip/']) });
    try {
      const at = await staged.locate(repo, prod, '--path');
      assert.equal(at.path, 'apps/prod');
      assert.deepEqual(await listTree(at.root), ['.sourceignore', 'apps/base/c.yaml', 'apps/prod/a.yaml']);
      const again = await staged.locate(repo, path.join(repo, 'apps', 'base'), 'local source path');
      assert.equal(again.root, at.root, 'one copy per source root');
    } finally {
      await staged.remove();
    }
  });

  it('refuses a --path outside the source, missing, or excluded, naming the flag', async () => {
    const staged = new StagedSources({ root: repo, patterns: [] });
    try {
      await assert.rejects(staged.locate(repo, path.join(repo, 'nope'), '--path'), (err: unknown) => {
        assert.ok(err instanceof CliError, 'a CliError');
        assert.match(err.message, /--path .*nope: no such directory/);
        return true;
      });
      await assert.rejects(
        staged.locate(path.join(repo, 'apps'), os.tmpdir(), '--path'),
        /outside the source root/,
      );
      await assert.rejects(
        staged.locate(repo, path.join(repo, '.github'), '--path'),
        /excluded by the ignore rules/,
      );
    } finally {
      await staged.remove();
    }
    const copies = (await readdir(os.tmpdir())).filter((n) => n.startsWith('tide-local-'));
    for (const c of copies) {
      const s = await stat(path.join(os.tmpdir(), c)).catch(() => undefined);
      assert.ok(s === undefined || Date.now() - s.mtimeMs > 60_000, `copy ${c} of this test was removed`);
    }
  });
});
