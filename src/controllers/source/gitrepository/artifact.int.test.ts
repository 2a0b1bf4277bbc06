// GitRepository artifacts: unchanged polls clone nothing; the same tree gives the same
// digest; the served bytes match the digest; GC keeps N; include and .sourceignore
// shape the artifact.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fetchArtifact } from '../../../artifact/fetch.js';
import { eventually } from '../../../testenv/eventually.js';
import {
  createSecret,
  gitRepository,
  readGitRepository,
  requestReconcile,
  startSourceHarness,
  waitHandled,
  waitReady,
  type SourceHarness,
} from '../testdata/harness.js';
import { GitRepositories } from './reconcile-include.js';

const run = promisify(execFile);
let h: SourceHarness;
before(async () => {
  h = await startSourceHarness();
});
after(async () => {
  await h.stop();
});

async function auth(ns: string): Promise<{ name: string }> {
  await createSecret(h.client, ns, 'auth', {
    username: h.git.credentials.username,
    password: h.git.credentials.password,
    'ca.crt': h.git.caCertPem,
  });
  return { name: 'auth' };
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = path.posix.join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path.join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

describe('GitRepository artifacts', () => {
  it('does not clone or rebuild over 10 polls of an unchanged remote', async (t) => {
    const ns = await h.env.createNamespace(t);
    const repo = await h.git.createRepo(`${ns}/steady`, { defaultBranch: 'main' });
    await repo.commit({ 'app.yaml': 'a: 1\n' });
    await h.client.create(
      GitRepositories,
      gitRepository(ns, 'steady', {
        url: repo.httpsUrl,
        interval: '10m',
        secretRef: await auth(ns),
        ref: { branch: 'main' },
      }),
    );
    const first = await waitReady(h.client, ns, 'steady');
    const repoName = `${ns}/steady`;
    const fetchesBefore = h.git
      .requests()
      .filter((r) => r.repo.startsWith(repoName) && r.command === 'fetch').length;
    assert.equal(fetchesBefore, 1, 'one clone for the first artifact');
    h.git.clearRequests();
    for (let i = 0; i < 10; i++) {
      const token = await requestReconcile(h.client, ns, 'steady');
      const obj = await waitHandled(h.client, ns, 'steady', token);
      assert.deepEqual(obj.status?.artifact, first.status?.artifact, `poll ${i} kept the artifact`);
    }
    const log = h.git.requests().filter((r) => r.repo.startsWith(repoName));
    assert.equal(
      log.filter((r) => r.command === 'fetch').length,
      0,
      `no clone: ${JSON.stringify(log.map((r) => r.command))}`,
    );
    assert.ok(log.filter((r) => r.command === 'ls-refs').length >= 10, 'each poll asked the remote');
    const files = await readdir(path.join(h.storagePath, 'gitrepository', ns, 'steady'));
    assert.deepEqual(
      files.filter((f) => f.endsWith('.tar.gz')),
      [path.basename(first.status?.artifact?.path ?? '')],
    );
  });

  it('gives the same digest for the same commit and serves bytes that match it', async (t) => {
    const ns = await h.env.createNamespace(t);
    const repo = await h.git.createRepo(`${ns}/same`, { defaultBranch: 'main' });
    await repo.commit({ 'a/b.yaml': 'b: 1\n', 'run.sh': '#!/bin/sh\necho hi\n', 'c.yaml': 'c: 1\n' });
    const secretRef = await auth(ns);
    await h.client.create(
      GitRepositories,
      gitRepository(ns, 'one', { url: repo.httpsUrl, interval: '10m', secretRef, ref: { branch: 'main' } }),
    );
    await h.client.create(
      GitRepositories,
      gitRepository(ns, 'two', { url: repo.httpsUrl, interval: '10m', secretRef, ref: { branch: 'main' } }),
    );
    const one = await waitReady(h.client, ns, 'one');
    const two = await waitReady(h.client, ns, 'two');
    assert.equal(one.status?.artifact?.digest, two.status?.artifact?.digest, 'two clones, one digest');
    const body = Buffer.from(await (await fetch(one.status?.artifact?.url ?? '')).arrayBuffer());
    assert.equal(`sha256:${createHash('sha256').update(body).digest('hex')}`, one.status?.artifact?.digest);
    assert.equal(body.length, one.status?.artifact?.size);
  });

  it('keeps the newest artifacts on new revisions (GC) and serves only the current one as status', async (t) => {
    const ns = await h.env.createNamespace(t);
    const repo = await h.git.createRepo(`${ns}/gc`, { defaultBranch: 'main' });
    await repo.commit({ 'v.yaml': 'v: 0\n' });
    await h.client.create(
      GitRepositories,
      gitRepository(ns, 'gc', {
        url: repo.httpsUrl,
        interval: '10m',
        secretRef: await auth(ns),
        ref: { branch: 'main' },
      }),
    );
    await waitReady(h.client, ns, 'gc');
    let last = '';
    for (let i = 1; i <= 4; i++) {
      last = await repo.commit({ 'v.yaml': `v: ${i}\n` });
      const token = await requestReconcile(h.client, ns, 'gc');
      const obj = await waitHandled(h.client, ns, 'gc', token);
      assert.equal(obj.status?.artifact?.revision, `main@sha1:${last}`);
    }
    const files = (await readdir(path.join(h.storagePath, 'gitrepository', ns, 'gc'))).filter((f) =>
      f.endsWith('.tar.gz'),
    );
    // Within the TTL (60 s) GC keeps at most retentionRecords (2) artifacts, the current one included.
    assert.ok(files.length <= 2, `kept ${files.join(', ')}`);
    assert.ok(files.includes(`${last}.tar.gz`), 'the current artifact is kept');
  });

  it('copies included repositories and applies .sourceignore and spec.ignore', async (t) => {
    const ns = await h.env.createNamespace(t);
    const secretRef = await auth(ns);
    const shared = await h.git.createRepo(`${ns}/shared`, { defaultBranch: 'main' });
    await shared.commit({ 'base/cm.yaml': 'shared: true\n', 'docs/readme.md': 'docs\n' });
    const app = await h.git.createRepo(`${ns}/app`, { defaultBranch: 'main' });
    await app.commit({
      'deploy/app.yaml': 'app: 1\n',
      'deploy/skip.txt': 'ignored by .sourceignore\n',
      '.sourceignore': '*.txt\n',
      'logo.png': 'images are excluded by default\n',
      '.github/workflows/ci.yaml': 'excluded by default\n',
    });
    await h.client.create(
      GitRepositories,
      gitRepository(ns, 'shared', {
        url: shared.httpsUrl,
        interval: '10m',
        secretRef,
        ref: { branch: 'main' },
      }),
    );
    await h.client.create(
      GitRepositories,
      gitRepository(ns, 'app', {
        url: app.httpsUrl,
        interval: '10m',
        secretRef,
        ref: { branch: 'main' },
        include: [{ repository: { name: 'shared' }, fromPath: 'base', toPath: 'vendor/base' }],
      }),
    );
    const obj = await waitReady(h.client, ns, 'app');
    const artifact = obj.status?.artifact;
    assert.ok(artifact?.digest !== undefined, 'artifact built');
    const fetched = await fetchArtifact({ url: artifact.url, digest: artifact.digest });
    t.after(() => fetched.cleanup());
    assert.deepEqual(await listFiles(fetched.dir), [
      '.sourceignore',
      'deploy/app.yaml',
      'vendor/base/cm.yaml',
    ]);
    assert.equal(await readFile(path.join(fetched.dir, 'vendor/base/cm.yaml'), 'utf8'), 'shared: true\n');
    assert.equal(obj.status?.includedArtifacts?.length, 1);

    // A new commit in the included repository rebuilds the including one.
    await shared.commit({ 'base/cm.yaml': 'shared: 2\n' });
    await requestReconcile(h.client, ns, 'shared');
    await waitReady(h.client, ns, 'shared');
    const rebuilt = await eventually(
      async () => {
        const o = await readGitRepository(h.client, ns, 'app');
        assert.notEqual(o.status?.artifact?.digest, artifact.digest, 'not rebuilt yet');
        return o;
      },
      { timeoutMs: 60_000 },
    );
    assert.notEqual(rebuilt.status?.artifact?.digest, artifact.digest, 'rebuilt after the include changed');
  });

  it('leaves symlinks out of the artifact, so a link to a service-account token is never read', async (t) => {
    const ns = await h.env.createNamespace(t);
    const repo = await h.git.createRepo(`${ns}/links`, { defaultBranch: 'main' });
    await repo.commit({ 'app.yaml': 'a: 1\n' });
    const work = await mkdtemp(path.join(os.tmpdir(), 'tide-links-'));
    t.after(() => rm(work, { recursive: true, force: true }));
    const env = {
      PATH: process.env['PATH'] ?? '',
      HOME: work,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_SSL_CAINFO: h.git.caCertPath,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@tide.invalid',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@tide.invalid',
    };
    const authed = repo.httpsUrl.replace(
      'https://',
      `https://${h.git.credentials.username}:${h.git.credentials.password}@`,
    );
    const clone = path.join(work, 'clone');
    await run('git', ['clone', '--quiet', authed, clone], { env });
    await symlink('/var/run/secrets/kubernetes.io/serviceaccount/token', path.join(clone, 'secret.yaml'));
    await symlink('/etc', path.join(clone, 'etc-link'));
    await run('git', ['add', '-A'], { cwd: clone, env });
    await run('git', ['commit', '--quiet', '-m', 'links'], { cwd: clone, env });
    await run('git', ['push', '--quiet', 'origin', 'main'], { cwd: clone, env });
    await h.client.create(
      GitRepositories,
      gitRepository(ns, 'links', {
        url: repo.httpsUrl,
        interval: '10m',
        secretRef: await auth(ns),
        ref: { branch: 'main' },
      }),
    );
    const obj = await waitReady(h.client, ns, 'links');
    const artifact = obj.status?.artifact;
    assert.ok(artifact?.digest !== undefined, 'artifact built');
    const fetched = await fetchArtifact({ url: artifact.url, digest: artifact.digest });
    t.after(() => fetched.cleanup());
    assert.deepEqual(await listFiles(fetched.dir), ['app.yaml'], 'links are absent');
  });

  it('keeps serving and reusing its artifacts after a manager restart', async (t) => {
    const ns = await h.env.createNamespace(t);
    const repo = await h.git.createRepo(`${ns}/restart`, { defaultBranch: 'main' });
    await repo.commit({ 'a.yaml': 'a: 1\n' });
    await h.client.create(
      GitRepositories,
      gitRepository(ns, 'restart', {
        url: repo.httpsUrl,
        interval: '10m',
        secretRef: await auth(ns),
        ref: { branch: 'main' },
      }),
    );
    const before = await waitReady(h.client, ns, 'restart');
    await h.restart();
    h.git.clearRequests();
    const token = await requestReconcile(h.client, ns, 'restart');
    const after = await waitHandled(h.client, ns, 'restart', token);
    assert.deepEqual(after.status?.artifact, before.status?.artifact, 'same artifact after the restart');
    const fetches = h.git
      .requests()
      .filter((r) => r.repo.startsWith(`${ns}/restart`) && r.command === 'fetch');
    assert.equal(fetches.length, 0, 'no clone after the restart');
    assert.equal((await fetch(after.status?.artifact?.url ?? '')).status, 200, 'served by the new manager');
  });
});
