// syncRepository against the git server over HTTPS (no cluster): starting a branch in an
// empty repository or from the default branch, no commit when nothing changed, and a
// push that lost a race reported as non-fast-forward.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GitSession } from '../git/session.js';
import { startGitServer } from '../gitserver/index.js';
import type { GitServer, Repo } from '../gitserver/types.js';
import { credentialsAccess } from './git-access.js';
import { NonFastForwardError, syncRepository, type SessionRunner } from './repository.js';

describe('syncRepository', { timeout: 60_000 }, () => {
  let git: GitServer;
  before(async () => {
    git = await startGitServer();
  });
  after(async () => {
    await git.close();
  });

  const access = (repo: Repo): SessionRunner =>
    credentialsAccess({
      url: repo.httpsUrl,
      auth: {
        kind: 'basic',
        username: git.credentials.username,
        password: git.credentials.password,
        tls: { caCert: git.caCertPem },
      },
      timeoutMs: 30_000,
      signal: new AbortController().signal,
    });
  const sync = (repo: Repo, branch: string, files: Record<string, string>, runner = access(repo)) =>
    syncRepository(runner, {
      branch,
      files: new Map(Object.entries(files)),
      author: { name: 'Flux', email: '' },
      message: 'Add manifests',
    });

  it('starts the branch in an empty repository, then commits only changes', async () => {
    const repo = await git.createRepo('empty', { defaultBranch: 'main' });
    const first = await sync(repo, 'main', { 'a/flux-system/x.yaml': 'x: 1\n' });
    assert.equal(first.changed, true);
    assert.equal(await repo.head('main'), first.sha);
    assert.equal(first.revision, `main@sha1:${first.sha}`);
    assert.equal(await repo.show('main', 'a/flux-system/x.yaml'), 'x: 1\n');

    const again = await sync(repo, 'main', { 'a/flux-system/x.yaml': 'x: 1\n' });
    assert.deepEqual(again, { ...first, changed: false });

    const changed = await sync(repo, 'main', { 'a/flux-system/x.yaml': 'x: 2\n' });
    assert.equal(changed.changed, true);
    assert.notEqual(changed.sha, first.sha);
  });

  it('keeps the other files of the branch, and starts a missing branch from the default one', async () => {
    const repo = await git.createRepo('existing', { defaultBranch: 'main' });
    const base = await repo.commit({ 'README.md': 'fleet\n' });
    const res = await sync(repo, 'prod', { 'flux-system/x.yaml': 'x: 1\n' });
    assert.equal(res.changed, true);
    assert.equal(await repo.show('prod', 'README.md'), 'fleet\n');
    assert.equal(await repo.head('main'), base, 'the default branch is untouched');
  });

  it('reports a push that lost a race as non-fast-forward', async () => {
    const repo = await git.createRepo('race', { defaultBranch: 'main' });
    await repo.commit({ 'README.md': 'fleet\n' });
    // Someone pushes between our fetch and our push.
    const racing: SessionRunner = (fn) =>
      access(repo)((session) => {
        const wrapped = {
          url: session.url,
          git: async (args: readonly string[], opts?: { cwd?: string }) => {
            if (args.includes('push')) await repo.commit({ 'other.txt': 'theirs\n' });
            return session.git(args, opts);
          },
        } as unknown as GitSession;
        return fn(wrapped);
      });
    await assert.rejects(sync(repo, 'main', { 'x.yaml': 'x: 1\n' }, racing), (err: unknown) => {
      assert.ok(err instanceof NonFastForwardError, String(err));
      assert.match(err.message, /branch main changed on the server while bootstrapping/);
      return true;
    });
  });
});
