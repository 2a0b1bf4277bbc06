// GitRepository authentication over HTTPS (basic, bearer) and SSH (key + known_hosts);
// wrong credentials give AuthenticationFailed and leak nothing (canary check).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { startGitServer } from '../../../gitserver/index.js';
import type { GitServer } from '../../../gitserver/types.js';
import { eventually } from '../../../testenv/eventually.js';
import {
  conditionOf,
  createSecret,
  gitRepository,
  readGitRepository,
  startSourceHarness,
  waitReady,
  type SourceHarness,
} from '../testdata/harness.js';
import { GitRepositories } from './reconcile-include.js';

let h: SourceHarness;
let secured: GitServer;
const canary = `canary-${randomBytes(12).toString('hex')}`;

before(async () => {
  h = await startSourceHarness();
  // A server whose password and token are the canary, so any leak of a credential is visible.
  secured = await startGitServer({ password: canary, token: canary });
});
after(async () => {
  await secured.close();
  await h.stop();
});

async function eventsOf(ns: string, name: string): Promise<string> {
  const list = await h.client.request({
    path: `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
    query: { fieldSelector: `regarding.name=${name}` },
  });
  return JSON.stringify(list);
}

describe('GitRepository authentication', () => {
  it('clones over HTTPS with basic auth, with a bearer token and over SSH with a key', async (t) => {
    const ns = await h.env.createNamespace(t);
    const repo = await secured.createRepo(`${ns}/auth`, { defaultBranch: 'main' });
    const head = await repo.commit({ 'app.yaml': 'kind: ConfigMap\n' });
    const key = await readFile(secured.credentials.sshPrivateKeyPath, 'utf8');
    await createSecret(h.client, ns, 'basic', {
      username: secured.credentials.username,
      password: canary,
      'ca.crt': secured.caCertPem,
    });
    await createSecret(h.client, ns, 'bearer', { bearerToken: canary, 'ca.crt': secured.caCertPem });
    await createSecret(h.client, ns, 'ssh', { identity: key, known_hosts: secured.sshKnownHosts });
    const specs = {
      basic: { url: repo.httpsUrl, secretRef: { name: 'basic' } },
      bearer: { url: repo.httpsUrl, secretRef: { name: 'bearer' } },
      ssh: { url: repo.sshUrl, secretRef: { name: 'ssh' } },
    };
    for (const [name, spec] of Object.entries(specs)) {
      await h.client.create(
        GitRepositories,
        gitRepository(ns, name, { ...spec, interval: '10m', ref: { branch: 'main' } }),
      );
    }
    for (const name of Object.keys(specs)) {
      const obj = await waitReady(h.client, ns, name);
      assert.equal(obj.status?.artifact?.revision, `main@sha1:${head}`, name);
    }
    const methods = new Set(
      secured
        .requests()
        .filter((r) => r.repo.startsWith(ns))
        .map((r) => `${r.transport}:${r.auth}`),
    );
    assert.deepEqual(
      [...methods].sort(),
      ['https:basic', 'https:bearer', 'ssh:publickey'],
      'each method was used',
    );
  });

  it('reports wrong credentials as AuthenticationFailed without the secret anywhere', async (t) => {
    const ns = await h.env.createNamespace(t);
    const repo = await secured.createRepo(`${ns}/denied`, { defaultBranch: 'main' });
    await repo.commit({ 'app.yaml': 'x: 1\n' });
    const wrong = `${canary}-wrong`;
    await createSecret(h.client, ns, 'wrong-basic', {
      username: 'tide',
      password: wrong,
      'ca.crt': secured.caCertPem,
    });
    await createSecret(h.client, ns, 'wrong-bearer', { bearerToken: wrong, 'ca.crt': secured.caCertPem });
    await createSecret(h.client, ns, 'no-known-hosts', {
      identity: await readFile(secured.credentials.sshPrivateKeyPath, 'utf8'),
    });
    await createSecret(h.client, ns, 'other-host-key', {
      identity: await readFile(secured.credentials.sshPrivateKeyPath, 'utf8'),
      known_hosts: h.git.sshKnownHosts.replace(String(h.git.sshPort), String(secured.sshPort)),
    });
    const cases = {
      'wrong-basic': repo.httpsUrl,
      'wrong-bearer': repo.httpsUrl,
      'no-known-hosts': repo.sshUrl,
      'other-host-key': repo.sshUrl,
    };
    for (const [name, url] of Object.entries(cases)) {
      await h.client.create(
        GitRepositories,
        gitRepository(ns, name, { url, interval: '10m', secretRef: { name } }),
      );
    }
    for (const name of Object.keys(cases)) {
      const obj = await eventually(
        async () => {
          const o = await readGitRepository(h.client, ns, name);
          assert.equal(conditionOf(o, 'Ready')?.status, 'False', `${name} not failed yet`);
          return o;
        },
        { timeoutMs: 60_000 },
      );
      assert.equal(
        conditionOf(obj, 'Ready')?.reason,
        'AuthenticationFailed',
        `${name}: ${conditionOf(obj, 'Ready')?.message ?? ''}`,
      );
      assert.equal(conditionOf(obj, 'FetchFailed')?.status, 'True', name);
      assert.equal(obj.status?.artifact, undefined, `${name} has no artifact`);
      const sinks = [JSON.stringify(obj.status), await eventsOf(ns, name), h.logs.join('\n')];
      for (const sink of sinks)
        assert.ok(!sink.includes(canary), `${name}: the canary leaked: ${sink.slice(0, 300)}`);
    }
  });
});
