import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { GitRepositoryRef } from '../api/source/gitrepository.js';
import type { Repo } from '../gitserver/index.js';
import { checkout } from './checkout.js';
import { GitNotFoundError } from './errors.js';
import { listRemoteRefs, resolveRef } from './remote.js';
import { startGitFixture, type GitFixture } from './test-fixtures.js';
import type { GitAuth } from './types.js';

const TIMEOUT_MS = 20_000;

let fx: GitFixture;
let repo: Repo;
let auth: GitAuth;
const c: Record<string, string> = {};

before(async () => {
  fx = await startGitFixture();
  auth = fx.basicAuth();
  repo = await fx.server.createRepo('org/refs', { defaultBranch: 'master' });
  c.one = await repo.commit({ 'version.txt': 'one' }, { message: 'one' });
  await repo.tag('v1.0.0', { ref: c.one, message: 'release 1.0.0' });
  c.two = await repo.commit({ 'version.txt': 'two' }, { message: 'two' });
  await repo.tag('v1.9.0', { ref: c.two });
  c.three = await repo.commit({ 'version.txt': 'three' }, { message: 'three' });
  await repo.tag('v1.10.0', { ref: c.three, message: 'release 1.10.0' });
  await repo.tag('v2.0.0-rc.1', { ref: c.three });
  c.feature = await repo.commit({ 'version.txt': 'feature' }, { branch: 'feature/x', message: 'feature' });
  c.pull = await repo.commit({ 'version.txt': 'pull' }, { branch: 'pr-source', message: 'pull' });
  await fx.git(['--git-dir', repo.path, 'update-ref', 'refs/pull/7/head', c.pull]);
});

after(async () => {
  await fx.close();
});

const list = () => listRemoteRefs({ url: repo.httpsUrl, auth, timeoutMs: TIMEOUT_MS, tempDir: fx.tempDir });

async function checkoutRef(ref: GitRepositoryRef | undefined) {
  const dir = fx.freshPath('refs');
  const result = await checkout({
    url: repo.httpsUrl,
    auth,
    ref,
    dir,
    timeoutMs: TIMEOUT_MS,
    tempDir: fx.tempDir,
  });
  return { result, content: await readFile(join(dir, 'version.txt'), 'utf8') };
}

describe('ref resolution against the server', () => {
  const cases: {
    name: string;
    ref: GitRepositoryRef | undefined;
    commit: string;
    revision: string;
    content: string;
  }[] = [
    { name: 'default branch master', ref: undefined, commit: 'three', revision: 'master', content: 'three' },
    {
      name: 'branch',
      ref: { branch: 'feature/x' },
      commit: 'feature',
      revision: 'feature/x',
      content: 'feature',
    },
    {
      name: 'annotated tag → its commit',
      ref: { tag: 'v1.0.0' },
      commit: 'one',
      revision: 'v1.0.0',
      content: 'one',
    },
    { name: 'lightweight tag', ref: { tag: 'v1.9.0' }, commit: 'two', revision: 'v1.9.0', content: 'two' },
    {
      name: 'semver: highest match (1.10 > 1.9)',
      ref: { semver: '>=1.0.0 <2.0.0' },
      commit: 'three',
      revision: 'v1.10.0',
      content: 'three',
    },
    {
      name: 'semver: older range',
      ref: { semver: '~1.9' },
      commit: 'two',
      revision: 'v1.9.0',
      content: 'two',
    },
    {
      name: 'name refs/pull/7/head',
      ref: { name: 'refs/pull/7/head', branch: 'master' },
      commit: 'pull',
      revision: 'refs/pull/7/head',
      content: 'pull',
    },
    {
      name: 'name refs/heads/feature/x',
      ref: { name: 'refs/heads/feature/x' },
      commit: 'feature',
      revision: 'refs/heads/feature/x',
      content: 'feature',
    },
    { name: 'commit only (not a tip)', ref: { commit: '=one' }, commit: 'one', revision: '', content: 'one' },
    {
      name: 'commit with branch',
      ref: { commit: '=two', branch: 'master', tag: 'v1.0.0' },
      commit: 'two',
      revision: 'master',
      content: 'two',
    },
  ];
  for (const tc of cases) {
    it(tc.name, async () => {
      const ref =
        tc.ref?.commit?.startsWith('=') === true ? { ...tc.ref, commit: c[tc.ref.commit.slice(1)] } : tc.ref;
      const sha = c[tc.commit] ?? '';
      const revision = tc.revision === '' ? `sha1:${sha}` : `${tc.revision}@sha1:${sha}`;
      const resolved = resolveRef(await list(), ref);
      assert.equal(resolved.commit, sha, 'ls-remote resolution');
      assert.equal(resolved.revision, revision);
      const { result, content } = await checkoutRef(ref);
      assert.equal(result.commit, sha, 'checked-out commit');
      assert.equal(result.revision, revision);
      assert.equal(content, tc.content);
      assert.deepEqual(await fx.leftovers(), [], 'temp dirs removed');
    });
  }

  it('annotated tags report their tag object', async () => {
    const resolved = resolveRef(await list(), { tag: 'v1.10.0' });
    const { result } = await checkoutRef({ tag: 'v1.10.0' });
    assert.ok(
      resolved.tagObject !== undefined && resolved.tagObject !== c.three,
      'tag object differs from commit',
    );
    assert.equal(result.tagObject, resolved.tagObject);
  });

  it('ls-remote makes one ls-refs request and no fetch (HTTPS and SSH)', async () => {
    for (const [url, a] of [
      [repo.httpsUrl, auth],
      [repo.sshUrl, await fx.sshAuth()],
    ] as const) {
      fx.server.clearRequests();
      await listRemoteRefs({ url, auth: a, timeoutMs: TIMEOUT_MS, tempDir: fx.tempDir });
      const uploads = fx.server.requests().filter((r) => r.service === 'git-upload-pack');
      assert.deepEqual(
        uploads.map((r) => r.command),
        ['ls-refs'],
        `${url}: ${JSON.stringify(fx.server.requests())}`,
      );
    }
    fx.server.clearRequests();
    await checkoutRef(undefined);
    assert.ok(
      fx.server.requests().some((r) => r.command === 'fetch'),
      'a checkout does fetch (the log can tell them apart)',
    );
  });

  it('after a force push the branch resolves to the new commit', async () => {
    const other = await fx.server.createRepo('org/forced', { defaultBranch: 'master' });
    const before = await other.commit({ 'version.txt': 'before' });
    const rewritten = await other.commit({ 'version.txt': 'rewritten' }, { branch: 'orphan' });
    const url = other.httpsUrl;
    assert.equal(
      resolveRef(await listRemoteRefs({ url, auth, timeoutMs: TIMEOUT_MS }), undefined).commit,
      before,
    );
    await other.resetBranch('master', rewritten);
    const resolved = resolveRef(await listRemoteRefs({ url, auth, timeoutMs: TIMEOUT_MS }), undefined);
    assert.equal(resolved.revision, `master@sha1:${rewritten}`);
    const dir = fx.freshPath('forced');
    const result = await checkout({ url, auth, dir, timeoutMs: TIMEOUT_MS });
    assert.equal(result.commit, rewritten);
    assert.equal(await readFile(join(dir, 'version.txt'), 'utf8'), 'rewritten');
  });

  it('a deleted tag is GitNotFoundError, both resolved and checked out', async () => {
    await repo.tag('doomed', { ref: c.one });
    assert.equal(resolveRef(await list(), { tag: 'doomed' }).commit, c.one);
    await repo.deleteTag('doomed');
    const after = await list();
    assert.throws(() => resolveRef(after, { tag: 'doomed' }), GitNotFoundError);
    await assert.rejects(checkoutRef({ tag: 'doomed' }), (error: unknown) => {
      assert.ok(error instanceof GitNotFoundError, String(error));
      assert.match(error.message, /refs\/tags\/doomed/);
      return true;
    });
    assert.deepEqual(await fx.leftovers(), [], 'temp dirs removed');
  });

  it('an unknown commit or a commit outside the branch is GitNotFoundError', async () => {
    await assert.rejects(checkoutRef({ commit: 'e'.repeat(40) }), GitNotFoundError);
    await assert.rejects(checkoutRef({ commit: c.feature, branch: 'master' }), (error: unknown) => {
      assert.ok(error instanceof GitNotFoundError, String(error));
      assert.match(error.message, /not found in branch master/);
      return true;
    });
  });

  it('an unknown repository is GitNotFoundError', async () => {
    await assert.rejects(
      listRemoteRefs({ url: fx.server.httpsUrl('org/missing'), auth, timeoutMs: TIMEOUT_MS }),
      GitNotFoundError,
    );
    await assert.rejects(
      listRemoteRefs({
        url: fx.server.sshUrl('org/missing'),
        auth: await fx.sshAuth(),
        timeoutMs: TIMEOUT_MS,
      }),
      GitNotFoundError,
    );
  });
});
