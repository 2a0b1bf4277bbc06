import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execGit, isolatedGitEnv } from './git-process.js';
import { InvalidRepoNameError } from './repo-names.js';
import { startGitServer } from './server.js';
import type { GitServer } from './types.js';

let server: GitServer;
let home: string;

async function git(args: string[], cwd?: string): Promise<string> {
  const result = await execGit(['-c', `http.sslCAInfo=${server.caCertPath}`, ...args], {
    cwd,
    env: { ...isolatedGitEnv(home), GIT_SSH_COMMAND: server.sshCommand },
  });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.toString('utf8');
}

/** Remote refs as the network sees them (over SSH), as a ref → sha map. */
async function lsRemote(name: string): Promise<Map<string, string>> {
  const output = await git(['ls-remote', server.sshUrl(name)]);
  const refs = new Map<string, string>();
  for (const line of output.trim().split('\n').filter(Boolean)) {
    const [sha = '', ref = ''] = line.split('\t');
    refs.set(ref, sha);
  }
  return refs;
}

before(async () => {
  server = await startGitServer();
  home = await mkdtemp(join(tmpdir(), 'tide-gitserver-repo-client-'));
});

after(async () => {
  await server.close();
  await rm(home, { recursive: true, force: true });
});

describe('repository helpers', () => {
  it('creates nested bare repositories with the requested default branch', async () => {
    const repo = await server.createRepo('team/infra/config', { defaultBranch: 'trunk' });
    assert.equal(repo.name, 'team/infra/config');
    assert.equal(repo.path, join(server.repoRoot, 'team/infra/config.git'));
    assert.equal(repo.httpsUrl, `https://127.0.0.1:${server.httpsPort}/team/infra/config.git`);
    assert.ok(
      (await stat(join(repo.path, 'HEAD'))).isFile(),
      'expected: (await stat(join(repo.path, "HEAD"))).isFile()',
    );
    const sha = await repo.commit({ 'a.txt': 'a\n' });
    assert.equal(await repo.head(), sha);
    assert.equal((await lsRemote('team/infra/config')).get('refs/heads/trunk'), sha);
    await assert.rejects(server.createRepo('team/infra/config'), /already exists/);
  });

  it('refuses repository names that escape the root', async () => {
    for (const name of ['..', '../outside', 'org/../../outside', 'a/./b', '.git']) {
      await assert.rejects(server.createRepo(name), InvalidRepoNameError, name);
    }
  });

  it('commits, updates and deletes files, with shas the network agrees on', async () => {
    const repo = await server.createRepo('files');
    const first = await repo.commit(
      { 'README.md': 'v1\n', 'bin/data.bin': Buffer.from([0, 1, 2, 255]), 'with space.txt': 's' },
      { message: 'first', author: { name: 'Ada', email: 'ada@example.com' } },
    );
    const second = await repo.commit({ 'README.md': 'v2\n', 'with space.txt': null }, { message: 'second' });
    assert.notEqual(first, second);
    assert.equal((await lsRemote('files')).get('refs/heads/main'), second);
    assert.equal(await repo.show(first, 'README.md'), 'v1\n');
    assert.equal(await repo.show('main', 'README.md'), 'v2\n');
    await assert.rejects(repo.show('main', 'with space.txt'));

    const clone = join(home, 'files-clone');
    await git(['clone', '--quiet', server.sshUrl('files'), clone]);
    assert.equal((await git(['log', '--format=%an|%s|%P', '-1', first], clone)).trim(), 'Ada|first|');
    assert.equal((await git(['log', '--format=%s|%P', '-1', 'HEAD'], clone)).trim(), `second|${first}`);
    const blob = await execGit(['cat-file', 'blob', `${first}:bin/data.bin`], {
      cwd: clone,
      env: isolatedGitEnv(home),
    });
    assert.deepEqual(blob.stdout, Buffer.from([0, 1, 2, 255]));
    await assert.rejects(repo.commit({ '../escape': 'x' }), /invalid file path/);
  });

  it('creates branches on commit, and creates and deletes branches explicitly', async () => {
    const repo = await server.createRepo('branches');
    const main = await repo.commit({ 'f.txt': 'main\n' });
    const feature = await repo.commit({ 'f.txt': 'feature\n' }, { branch: 'feature/x' });
    const fromMain = await repo.createBranch('release', 'main');
    assert.equal(fromMain, main);
    let refs = await lsRemote('branches');
    assert.equal(refs.get('refs/heads/feature/x'), feature);
    assert.equal(refs.get('refs/heads/release'), main);
    await assert.rejects(repo.createBranch('release', 'main'));
    await repo.deleteBranch('release');
    refs = await lsRemote('branches');
    assert.equal(refs.has('refs/heads/release'), false);
    await assert.rejects(repo.head('release'), /does not exist/);
  });

  it('makes lightweight and annotated tags and deletes them', async () => {
    const repo = await server.createRepo('tags');
    const v1 = await repo.commit({ 'v.txt': '1\n' });
    const v2 = await repo.commit({ 'v.txt': '2\n' });
    assert.equal(await repo.tag('v1.0.0', { ref: v1 }), v1);
    assert.equal(await repo.tag('v2.0.0', { message: 'release 2' }), v2);
    const refs = await lsRemote('tags');
    assert.equal(refs.get('refs/tags/v1.0.0'), v1);
    assert.equal(refs.has('refs/tags/v1.0.0^{}'), false, 'lightweight tags have no peeled entry');
    const annotated = refs.get('refs/tags/v2.0.0');
    assert.ok(annotated !== undefined && annotated !== v2, 'an annotated tag is its own object');
    assert.equal(refs.get('refs/tags/v2.0.0^{}'), v2);
    await assert.rejects(repo.tag('v1.0.0'), /already exists/);

    await repo.deleteTag('v1.0.0');
    assert.equal((await lsRemote('tags')).has('refs/tags/v1.0.0'), false);
  });

  it('rewrites history with resetBranch like a force push', async () => {
    const repo = await server.createRepo('rewrite');
    const base = await repo.commit({ 'x.txt': 'base\n' });
    const dropped = await repo.commit({ 'x.txt': 'dropped\n' });
    const clone = join(home, 'rewrite-clone');
    await git([
      'clone',
      '--quiet',
      repo.httpsUrl.replace('https://', `https://tide:${server.credentials.password}@`),
      clone,
    ]);

    await repo.resetBranch('main', base);
    const replacement = await repo.commit({ 'x.txt': 'replacement\n' }, { message: 'rewritten' });
    assert.equal((await lsRemote('rewrite')).get('refs/heads/main'), replacement);

    await git(['fetch', '--quiet', 'origin'], clone);
    const isAncestor = await execGit(['merge-base', '--is-ancestor', dropped, 'origin/main'], {
      cwd: clone,
      env: isolatedGitEnv(home),
    });
    assert.equal(isAncestor.code, 1, 'the dropped commit is no longer on main');
    assert.equal((await git(['rev-parse', 'origin/main'], clone)).trim(), replacement);
    await assert.rejects(repo.resetBranch('main', 'f'.repeat(40)), /does not name a commit/);
  });

  it('keeps every commit of a quick series on one linear history', async () => {
    const repo = await server.createRepo('series');
    const shas: string[] = [];
    for (let i = 0; i < 10; i++) {
      shas.push(await repo.commit({ [`file-${i}.txt`]: `${i}\n`, 'shared.txt': `${i}\n` }));
    }
    assert.equal(new Set(shas).size, 10);
    assert.equal(await repo.head(), shas.at(-1));
    assert.equal(await repo.show('main', 'shared.txt'), '9\n');
    assert.equal(await repo.show('main', 'file-0.txt'), '0\n');
  });
});
