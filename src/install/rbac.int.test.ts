// The installed RBAC is what the controllers need: each role runs here out of cluster
// (the local cluster's nodes run no containers) as its own installed ServiceAccount,
// watching only the installation's namespace as `--watch-all-namespaces=false` does,
// and a GitRepository plus a Kustomization reach Ready.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { CRD_DIR } from '../api/crd-files.js';
import type { KubeObject } from '../api/object.js';
import { runTide } from '../cli/testdata/context.js';
import { defaultManagerOptions, startControllers, type ControllersHandle } from '../controllers/run.js';
import { startGitServer, type GitServer } from '../gitserver/index.js';
import { defaultCacheDir } from '../localcluster/defaults.js';
import type { KubeClient } from '../runtime/client/client.js';
import { connect } from '../runtime/client/connect.js';
import {
  loadKubeConfigFromFile,
  loadKubeConfigFromString,
  type ResolvedKubeConfig,
} from '../runtime/client/kubeconfig.js';
import { CoreResources } from '../runtime/client/resource.js';
import { useTestEnvironment } from '../testenv/env.js';
import { eventually } from '../testenv/eventually.js';
import { instanceSelector } from './labels.js';
import { InstallResources } from './resources.js';

const GitRepositories = {
  group: 'source.toolkit.fluxcd.io',
  version: 'v1',
  plural: 'gitrepositories',
  kind: 'GitRepository',
  namespaced: true,
};
const Kustomizations = {
  group: 'kustomize.toolkit.fluxcd.io',
  version: 'v1',
  plural: 'kustomizations',
  kind: 'Kustomization',
  namespaced: true,
};

interface Status {
  status?: { conditions?: { type: string; status: string; message?: string }[] };
}

describe('the installed RBAC', { timeout: 300_000 }, () => {
  const namespace = `tide-rbac-${randomBytes(4).toString('hex')}`;
  let admin: KubeClient;
  let adminConfig: ResolvedKubeConfig;
  let kubeconfigPath: string;
  let git: GitServer;
  let storage: string;
  const running: ControllersHandle[] = [];

  before(async () => {
    const env = await useTestEnvironment();
    kubeconfigPath = env.kubeconfigPath;
    await env.installCRDs(CRD_DIR);
    adminConfig = loadKubeConfigFromFile(kubeconfigPath, { env: {} });
    admin = await connect(adminConfig);
    git = await startGitServer();
    storage = await mkdtemp(path.join(os.tmpdir(), 'tide-rbac-'));
  });

  after(async () => {
    for (const handle of running) await handle.stop();
    await git.close();
    await rm(storage, { recursive: true, force: true });
    for (const res of [Kustomizations, GitRepositories]) {
      const list = await admin
        .list<KubeObject>(res, { namespace })
        .catch(() => ({ items: [] as KubeObject[] }));
      for (const o of list.items)
        await admin
          .patch(res, { name: o.metadata.name, namespace }, { metadata: { finalizers: null } })
          .catch(() => undefined);
    }
    for (const res of [InstallResources.ClusterRoleBinding, InstallResources.ClusterRole]) {
      const list = await admin.list(res, { labelSelector: instanceSelector(namespace) });
      for (const obj of list.items)
        await admin.delete(res, { name: obj.metadata.name }).catch(() => undefined);
    }
    await admin.delete(InstallResources.Namespace, { name: namespace }).catch(() => undefined);
  });

  /** A kubeconfig that authenticates as the installed ServiceAccount, with a TokenRequest token. */
  async function asServiceAccount(name: string): Promise<ResolvedKubeConfig> {
    const answer = (await admin.request({
      method: 'POST',
      path: `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      },
    })) as { status: { token: string } };
    const cluster = adminConfig.cluster;
    const ca =
      cluster.certificateAuthorityData !== undefined
        ? { 'certificate-authority-data': cluster.certificateAuthorityData }
        : { 'certificate-authority': cluster.certificateAuthority };
    return loadKubeConfigFromString(
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: cluster.server, ...ca } }],
        users: [{ name: name, user: { token: answer.status.token } }],
        contexts: [{ name: 'sa', context: { cluster: 'c', user: name, namespace } }],
        'current-context': 'sa',
      }),
    );
  }

  it('lets each controller, as its own ServiceAccount, reconcile a GitRepository and a Kustomization', async () => {
    const installed = await runTide(['install', '-n', namespace, '--skip-crds', '--timeout', '2m'], {
      env: { KUBECONFIG: kubeconfigPath },
    });
    assert.equal(installed.code, 0, installed.stderr);

    const manager = (controllers: ['source'] | ['kustomize']) =>
      defaultManagerOptions(controllers, {
        metricsAddr: '127.0.0.1:0',
        healthAddr: '127.0.0.1:0',
        runtimeNamespace: namespace,
        watchAllNamespaces: false,
        gracefulShutdownTimeoutMs: 5_000,
        logLevel: 'error',
        kubeconfig: undefined,
      });
    const source = await startControllers({
      kubeConfig: await asServiceAccount('source-controller'),
      controllers: ['source'],
      manager: manager(['source']),
      source: { storagePath: storage, storageAddr: '127.0.0.1:0' },
      cacheDir: defaultCacheDir(process.env),
    });
    running.push(source);
    const kustomize = await startControllers({
      kubeConfig: await asServiceAccount('kustomize-controller'),
      controllers: ['kustomize'],
      manager: manager(['kustomize']),
      renderer: { processes: 1 },
      cacheDir: defaultCacheDir(process.env),
    });
    running.push(kustomize);
    await Promise.all([source.ready, kustomize.ready]);

    const repo = await git.createRepo(`${namespace}/app`, { defaultBranch: 'main' });
    await repo.commit({
      'configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-git\ndata:\n  k: v\n',
    });
    await admin.create(CoreResources.Secret, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'git-auth', namespace },
      stringData: {
        username: git.credentials.username,
        password: git.credentials.password,
        'ca.crt': git.caCertPem,
      },
    } as KubeObject);
    await admin.create(GitRepositories, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'app', namespace },
      spec: { url: repo.httpsUrl, interval: '1m', ref: { branch: 'main' }, secretRef: { name: 'git-auth' } },
    });
    await admin.create(Kustomizations, {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'app', namespace },
      spec: {
        interval: '10m',
        path: './',
        prune: true,
        targetNamespace: namespace,
        sourceRef: { kind: 'GitRepository', name: 'app' },
      },
    });

    const ready = async (res: typeof Kustomizations): Promise<void> => {
      await eventually(
        async () => {
          const obj = await admin.get<KubeObject & Status>(res, 'app', namespace);
          const c = obj.status?.conditions?.find((x) => x.type === 'Ready');
          assert.equal(c?.status, 'True', `${res.kind} app: ${c?.message ?? 'no Ready condition yet'}`);
        },
        { timeoutMs: 90_000 },
      );
    };
    await ready(GitRepositories);
    await ready(Kustomizations);
    const cm = await admin.get<KubeObject & { data?: Record<string, string> }>(
      CoreResources.ConfigMap,
      'from-git',
      namespace,
    );
    assert.deepEqual(cm.data, { k: 'v' });
  });
});
