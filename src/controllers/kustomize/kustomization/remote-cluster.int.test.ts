// spec.kubeConfig: a Kustomization applies to a second cluster through a kubeconfig in a
// Secret (here a second local cluster); nothing lands on the controller's cluster. A
// kubeconfig that would run a program is refused before it is loaded.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { ensureBinary } from '../../../localcluster/binary.js';
import { startLocalCluster, type LocalCluster } from '../../../localcluster/cluster.js';
import { defaultCacheDir } from '../../../localcluster/defaults.js';
import type { KubeClient } from '../../../runtime/client/client.js';
import { connect } from '../../../runtime/client/connect.js';
import { CoreResources } from '../../../runtime/client/resource.js';
import { eventually } from '../../../testenv/eventually.js';
import {
  condition,
  createSecret,
  getOrUndefined,
  gitSource,
  isReadyAt,
  kustomization,
  startKustomizeHarness,
  waitKustomization,
  type KustomizeHarness,
} from '../testdata/harness.js';
import { Kustomizations } from './resources.js';

let h: KustomizeHarness;
let remote: LocalCluster;
let remoteClient: KubeClient;
before(async () => {
  h = await startKustomizeHarness();
  const binary = await ensureBinary({ cacheDir: defaultCacheDir(process.env) });
  remote = await startLocalCluster({ binary: binary.path, nodes: 1 });
  const kc = new KubeConfig();
  kc.loadFromFile(remote.kubeconfig);
  remoteClient = await connect(kc);
});
after(async () => {
  await h.stop();
  await remote.stop();
});

describe('Kustomization on a remote cluster', () => {
  it('applies and prunes on the cluster of the kubeConfig Secret', async (t) => {
    const ns = await h.env.createNamespace(t);
    const repo = await gitSource(h, ns, 'repo', {
      'ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`,
      'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: remote-config\ndata: {where: remote}\n',
      'old.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old\ndata: {a: b}\n',
    });
    await createSecret(h.client, ns, 'remote-kubeconfig', {
      value: await readFile(remote.kubeconfig, 'utf8'),
    });
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'remote', {
        targetNamespace: ns,
        kubeConfig: { secretRef: { name: 'remote-kubeconfig' } },
      }),
    );
    await waitKustomization(h.client, ns, 'remote', isReadyAt());
    const cm = await remoteClient.get<{
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      data?: Record<string, string>;
    }>(CoreResources.ConfigMap, 'remote-config', ns);
    assert.equal(cm.data?.where, 'remote');
    assert.equal(
      await getOrUndefined(() => h.client.get(CoreResources.ConfigMap, 'remote-config', ns)),
      undefined,
    );

    await repo.commit({ 'old.yaml': null });
    await eventually(
      async () => {
        assert.equal(
          await getOrUndefined(() => remoteClient.get(CoreResources.ConfigMap, 'old', ns)),
          undefined,
        );
      },
      { timeoutMs: 30_000 },
    );
  });

  it('refuses a kubeconfig with an exec credential plugin, naming the field', async (t) => {
    const ns = await h.env.createNamespace(t);
    await gitSource(h, ns, 'repo', {
      'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: {a: b}\n',
    });
    const marker = `/tmp/tide-exec-${ns}`;
    const evil = `apiVersion: v1
kind: Config
current-context: c
contexts: [{name: c, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: '${remote.server}'}}]
users:
  - name: u
    user:
      exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sh, args: [-c, 'touch ${marker}']}
`;
    await createSecret(h.client, ns, 'evil', { value: evil });
    await h.client.create(
      Kustomizations,
      kustomization(ns, 'evil', { targetNamespace: ns, kubeConfig: { secretRef: { name: 'evil' } } }),
    );
    const ks = await waitKustomization(h.client, ns, 'evil', (k) => {
      if (condition(k, 'Stalled')?.status !== 'True') throw new Error('not stalled yet');
    });
    assert.match(condition(ks, 'Ready')?.message ?? '', /users\[u\]\.user\.exec is not allowed/);
    await assert.rejects(readFile(marker), /ENOENT/);
  });
});
