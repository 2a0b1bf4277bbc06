// GitRepository refs: each kind resolves to the right commit with Flux's revision
// format; semver picks the highest match; force pushes and deleted tags.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  startSourceHarness,
  gitRepository,
  waitReady,
  requestReconcile,
  waitHandled,
  conditionOf,
  type SourceHarness,
} from '../testdata/harness.js';
import { GitRepositories } from './reconcile-include.js';

let h: SourceHarness;
before(async () => {
  h = await startSourceHarness();
});
after(async () => {
  await h.stop();
});

describe('GitRepository refs', () => {
  it('resolves branch, tag, semver, name and commit refs to the right commit and revision', async (t) => {
    const ns = await h.env.createNamespace(t);
    const repo = await h.git.createRepo(`${ns}/refs`, { defaultBranch: 'master' });
    const c1 = await repo.commit({ 'deploy/app.yaml': 'v: 1\n' });
    await repo.tag('v1.0.0');
    const c2 = await repo.commit({ 'deploy/app.yaml': 'v: 2\n' });
    await repo.tag('v1.2.0', { message: 'annotated release' });
    await repo.tag('v2.0.0-rc.1');
    const c3 = await repo.commit({ 'deploy/app.yaml': 'v: 3\n' }, { branch: 'feature' });
    const url = repo.httpsUrl;
    const auth = {
      username: h.git.credentials.username,
      password: h.git.credentials.password,
      'ca.crt': h.git.caCertPem,
    };
    await h.client.create({ group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true }, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'auth', namespace: ns },
      stringData: auth,
    } as never);
    const cases = [
      { name: 'default', ref: undefined, want: `master@sha1:${c2}` },
      { name: 'branch', ref: { branch: 'feature' }, want: `feature@sha1:${c3}` },
      { name: 'tag', ref: { tag: 'v1.0.0' }, want: `v1.0.0@sha1:${c1}` },
      { name: 'annotated', ref: { tag: 'v1.2.0' }, want: `v1.2.0@sha1:${c2}` },
      { name: 'semver', ref: { semver: '>=1.0.0 <2.0.0' }, want: `v1.2.0@sha1:${c2}` },
      { name: 'semver-over-tag', ref: { semver: '1.0.x', tag: 'v1.2.0' }, want: `v1.0.0@sha1:${c1}` },
      { name: 'refname', ref: { name: 'refs/heads/feature' }, want: `refs/heads/feature@sha1:${c3}` },
      { name: 'commit', ref: { commit: c1 }, want: `sha1:${c1}` },
      { name: 'commit-on-branch', ref: { branch: 'master', commit: c1 }, want: `master@sha1:${c1}` },
    ];
    for (const c of cases) {
      await h.client.create(
        GitRepositories,
        gitRepository(ns, c.name, {
          url,
          interval: '10m',
          secretRef: { name: 'auth' },
          ...(c.ref === undefined ? {} : { ref: c.ref }),
        }),
      );
    }
    for (const c of cases) {
      const obj = await waitReady(h.client, ns, c.name);
      assert.equal(
        obj.status?.artifact?.revision,
        c.want,
        `${c.name}: ${JSON.stringify(obj.status?.conditions)}`,
      );
      assert.match(obj.status.artifact.digest ?? '', /^sha256:[0-9a-f]{64}$/, `${c.name} digest`);
      assert.equal(conditionOf(obj, 'ArtifactInStorage')?.status, 'True', `${c.name} ArtifactInStorage`);
      assert.equal(
        conditionOf(obj, 'Ready')?.message,
        `stored artifact for revision '${c.want}'`,
        `${c.name} message`,
      );
    }
  });

  it('follows a force-pushed branch and keeps the last artifact when a pinned tag is deleted', async (t) => {
    const ns = await h.env.createNamespace(t);
    const repo = await h.git.createRepo(`${ns}/rewrite`, { defaultBranch: 'main' });
    const base = await repo.commit({ 'a.yaml': 'a: 1\n' });
    const old = await repo.commit({ 'a.yaml': 'a: 2\n' });
    await repo.tag('pinned');
    await h.env.core.createNamespacedSecret({
      namespace: ns,
      body: {
        metadata: { name: 'auth' },
        stringData: { bearerToken: h.git.credentials.token, 'ca.crt': h.git.caCertPem },
      },
    });
    await h.client.create(
      GitRepositories,
      gitRepository(ns, 'branch', {
        url: repo.httpsUrl,
        interval: '10m',
        secretRef: { name: 'auth' },
        ref: { branch: 'main' },
      }),
    );
    await h.client.create(
      GitRepositories,
      gitRepository(ns, 'tag', {
        url: repo.httpsUrl,
        interval: '10m',
        secretRef: { name: 'auth' },
        ref: { tag: 'pinned' },
      }),
    );
    assert.equal((await waitReady(h.client, ns, 'branch')).status?.artifact?.revision, `main@sha1:${old}`);
    const tagged = await waitReady(h.client, ns, 'tag');

    // Rewrite history: main now points at a new commit that does not descend from `old`.
    await repo.resetBranch('main', base);
    const rewritten = await repo.commit({ 'b.yaml': 'b: 1\n' });
    const token = await requestReconcile(h.client, ns, 'branch');
    const after = await waitHandled(h.client, ns, 'branch', token);
    assert.equal(after.status?.artifact?.revision, `main@sha1:${rewritten}`);

    await repo.deleteTag('pinned');
    const token2 = await requestReconcile(h.client, ns, 'tag');
    const failed = await waitHandled(h.client, ns, 'tag', token2);
    assert.equal(conditionOf(failed, 'Ready')?.status, 'False');
    assert.equal(conditionOf(failed, 'FetchFailed')?.status, 'True');
    assert.match(conditionOf(failed, 'FetchFailed')?.message ?? '', /pinned/);
    assert.deepEqual(failed.status?.artifact, tagged.status?.artifact, 'the last artifact is kept');
    assert.ok(await h.storage.verify(tagged.status?.artifact ?? ({} as never)), 'and still in storage');
    const served = await fetch(tagged.status?.artifact?.url ?? '');
    assert.equal(served.status, 200, 'and still served');
  });
});
