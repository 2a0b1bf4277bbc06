// Tide's kubeconfig loader against the real API server: the test cluster's admin
// kubeconfig (inline CA and client certificate), a ServiceAccount token from a token
// file, and the same token handed out by an exec plugin. SelfSubjectReview says who the
// server thinks is calling.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { useTestEnvironment } from '../../testenv/env.js';
import type { KubeClient } from './client.js';
import { connect } from './connect.js';
import { loadKubeConfigFromFile, loadKubeConfigFromString } from './kubeconfig.js';
import { CoreResources } from './resource.js';

const env = await useTestEnvironment();
const tmp = await mkdtemp(path.join(os.tmpdir(), 'tide-kubeconfig-int-'));
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function whoAmI(client: KubeClient): Promise<string> {
  const review = (await client.request({
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  })) as { status?: { userInfo?: { username?: string } } };
  return review.status?.userInfo?.username ?? '';
}

/** A ServiceAccount in a fresh namespace and a token for it; the namespace goes with the test. */
async function serviceAccountToken(admin: KubeClient, t: { after(fn: () => unknown): void }) {
  const ns = await env.createNamespace(t, 'kubeconfig');
  await admin.create(CoreResources.ServiceAccount, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'reader', namespace: ns },
  });
  const request = (await admin.request({
    method: 'POST',
    path: `/api/v1/namespaces/${ns}/serviceaccounts/reader/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } },
  })) as { status: { token: string; expirationTimestamp: string } };
  return { ns, ...request.status };
}

/** The test cluster's server and CA with another user. */
function withUser(user: Record<string, unknown>): string {
  const admin = loadKubeConfigFromFile(env.kubeconfigPath).cluster;
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'sa',
    clusters: [
      {
        name: 'c',
        cluster: { server: admin.server, 'certificate-authority-data': admin.certificateAuthorityData },
      },
    ],
    users: [{ name: 'sa', user }],
    contexts: [{ name: 'sa', context: { cluster: 'c', user: 'sa' } }],
  });
}

describe('kubeconfig loader on the test cluster', () => {
  it('connects with the admin kubeconfig and lists namespaces', async (t) => {
    const kc = loadKubeConfigFromFile(env.kubeconfigPath);
    const client = await connect(kc);
    const ns = await env.createNamespace(t, 'kubeconfig');
    const names = (await client.list(CoreResources.Namespace)).items.map((n) => n.metadata.name);
    assert.ok(names.includes('default') && names.includes(ns), `namespaces: ${names.join(', ')}`);
    assert.notEqual(await whoAmI(client), '', 'the client certificate names a user');
  });

  it('authenticates with a token file and with an exec plugin', async (t) => {
    const admin = await connect(loadKubeConfigFromFile(env.kubeconfigPath));
    const sa = await serviceAccountToken(admin, t);
    const expected = `system:serviceaccount:${sa.ns}:reader`;

    const dir = await mkdtemp(path.join(tmp, 'sa-'));
    await writeFile(path.join(dir, 'token'), sa.token);
    await writeFile(path.join(dir, 'config'), withUser({ tokenFile: 'token' }));
    const fromFile = await connect(loadKubeConfigFromFile(path.join(dir, 'config')));
    assert.equal(await whoAmI(fromFile), expected);

    const plugin = path.join(dir, 'plugin.mjs');
    const credential = {
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token: sa.token, expirationTimestamp: sa.expirationTimestamp },
    };
    await writeFile(plugin, `process.stdout.write(${JSON.stringify(JSON.stringify(credential))});\n`);
    const exec = {
      command: process.execPath,
      args: [plugin],
      apiVersion: 'client.authentication.k8s.io/v1',
      interactiveMode: 'Never',
    };
    const fromExec = await connect(loadKubeConfigFromString(withUser({ exec })));
    assert.equal(await whoAmI(fromExec), expected);
    await assert.rejects(
      fromExec.list(CoreResources.ConfigMap, { namespace: sa.ns }),
      /forbidden/i,
      'the ServiceAccount has no rights: requests really go out as it',
    );
  });
});
