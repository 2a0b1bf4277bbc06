// GitRepository under failure: a hung or vanished server gives FetchFailed within the
// timeout while the last artifact stays served, retries back off to the cap, recovery
// emits exactly one event; paths that escape the repository are refused.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startGitServer } from '../../../gitserver/index.js';
import { eventually } from '../../../testenv/eventually.js';
import {
  conditionOf,
  createSecret,
  gitRepository,
  readGitRepository,
  requestReconcile,
  startSourceHarness,
  waitReady,
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

interface EventItem {
  type: string;
  reason: string;
  note: string;
  series?: { count: number };
}

async function events(ns: string, name: string): Promise<EventItem[]> {
  const list = (await h.client.request({
    path: `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
    query: { fieldSelector: `regarding.name=${name}` },
  })) as { items: EventItem[] };
  return list.items;
}

describe('GitRepository under failure', () => {
  it('fails a hung server within spec.timeout', async (t) => {
    const ns = await h.env.createNamespace(t);
    const sockets: net.Socket[] = [];
    const hang = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    t.after(() => {
      for (const s of sockets) s.destroy();
      hang.close();
    });
    const port = (hang.address() as net.AddressInfo).port;
    await h.client.create(
      GitRepositories,
      gitRepository(ns, 'hung', {
        url: `https://127.0.0.1:${port}/repo.git`,
        interval: '10m',
        timeout: '2s',
      }),
    );
    const obj = await eventually(
      async () => {
        const o = await readGitRepository(h.client, ns, 'hung');
        assert.equal(conditionOf(o, 'FetchFailed')?.status, 'True', 'not failed yet');
        return o;
      },
      { timeoutMs: 30_000 },
    );
    assert.equal(conditionOf(obj, 'Ready')?.status, 'False');
    assert.match(conditionOf(obj, 'Ready')?.message ?? '', /time|timed out/i);
  });

  it('keeps serving the last artifact while the server is gone, backs off, and recovers with one event', async (t) => {
    const ns = await h.env.createNamespace(t);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tide-flaky-git-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const first = await startGitServer({ dir, username: 'u', password: 'p' });
    const { httpsPort } = first;
    const caCert = first.caCertPem;
    const repo = await first.createRepo('flaky', { defaultBranch: 'main' });
    const head = await repo.commit({ 'a.yaml': 'a: 1\n' });
    await createSecret(h.client, ns, 'auth', { username: 'u', password: 'p', 'ca.crt': caCert });
    await h.client.create(
      GitRepositories,
      gitRepository(ns, 'flaky', {
        url: repo.httpsUrl,
        interval: '10m',
        timeout: '5s',
        secretRef: { name: 'auth' },
        ref: { branch: 'main' },
      }),
    );
    const ready = await waitReady(h.client, ns, 'flaky');
    await first.close();

    await requestReconcile(h.client, ns, 'flaky');
    const failed = await eventually(
      async () => {
        const o = await readGitRepository(h.client, ns, 'flaky');
        assert.equal(conditionOf(o, 'Ready')?.status, 'False', 'not failed yet');
        return o;
      },
      { timeoutMs: 30_000 },
    );
    assert.equal(conditionOf(failed, 'FetchFailed')?.status, 'True');
    assert.deepEqual(failed.status?.artifact, ready.status?.artifact, 'the last artifact is kept');
    assert.equal((await fetch(ready.status?.artifact?.url ?? '')).status, 200, 'and still served');
    // Retries back off (min 200 ms, cap 2 s in this harness).
    await eventually(
      () => {
        const delays = h.logs
          .filter((l) => l.includes('"reconcile failed"') && l.includes(`${ns}/flaky`))
          .map((l) => (JSON.parse(l) as { retryInMs: number }).retryInMs);
        assert.ok(delays.length >= 5, `only ${delays.length} retries so far`);
        assert.deepEqual(delays.slice(0, 5), [200, 400, 800, 1600, 2000]);
      },
      { timeoutMs: 30_000 },
    );

    // The server comes back on the same port with the same repositories.
    const second = await startGitServer({ dir, httpsPort, username: 'u', password: 'p' });
    t.after(() => second.close());
    // A new CA was generated for the restarted server; hand it over like a rotated Secret.
    await h.client.patch(
      { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
      { name: 'auth', namespace: ns },
      { stringData: { 'ca.crt': second.caCertPem } },
    );
    const recovered = await waitReady(h.client, ns, 'flaky', 'True', 60_000);
    assert.equal(recovered.status?.artifact?.revision, `main@sha1:${head}`);
    assert.equal(conditionOf(recovered, 'FetchFailed'), undefined, 'FetchFailed removed');
    const recoveryEvents = await eventually(async () => {
      const list = (await events(ns, 'flaky')).filter((e) => e.type === 'Normal' && e.reason === 'Succeeded');
      assert.equal(list.length, 1, `recovery events: ${JSON.stringify(list)}`);
      return list;
    });
    assert.equal(recoveryEvents[0]?.series?.count ?? 1, 1, 'exactly one recovery event');
  });

  it('refuses sparseCheckout and include paths that leave the repository, without probing them', async (t) => {
    const ns = await h.env.createNamespace(t);
    const repo = await h.git.createRepo(`${ns}/paths`, { defaultBranch: 'main' });
    await repo.commit({ 'a.yaml': 'a: 1\n' });
    await createSecret(h.client, ns, 'auth', {
      username: h.git.credentials.username,
      password: h.git.credentials.password,
      'ca.crt': h.git.caCertPem,
    });
    await h.client.create(
      GitRepositories,
      gitRepository(ns, 'sparse', {
        url: repo.httpsUrl,
        interval: '10m',
        secretRef: { name: 'auth' },
        ref: { branch: 'main' },
        sparseCheckout: ['../../etc'],
      }),
    );
    await h.client.create(
      GitRepositories,
      gitRepository(ns, 'include', {
        url: repo.httpsUrl,
        interval: '10m',
        secretRef: { name: 'auth' },
        ref: { branch: 'main' },
        include: [{ repository: { name: 'sparse' }, fromPath: '../../../etc' }],
      }),
    );
    for (const name of ['sparse', 'include']) {
      const obj = await eventually(
        async () => {
          const o = await readGitRepository(h.client, ns, name);
          assert.equal(conditionOf(o, 'Stalled')?.status, 'True', `${name} not stalled yet`);
          return o;
        },
        { timeoutMs: 30_000 },
      );
      const ready = conditionOf(obj, 'Ready');
      assert.equal(ready?.reason, 'InvalidPath', name);
      assert.ok(
        !/etc\/|passwd|exist|no such/i.test(ready.message),
        `${name}: message probes the filesystem: ${ready.message}`,
      );
      assert.equal(obj.status?.artifact, undefined, `${name} built nothing`);
    }
  });
});
