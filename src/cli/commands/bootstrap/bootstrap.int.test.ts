// `tide bootstrap git` against the shared cluster and a git server over HTTPS, with the
// controllers running in this process (the cluster's nodes are simulated, so the
// installed Deployments never run), watching only this test's namespace. The shared
// CRDs are used, never changed: bootstrap runs with --skip-crds.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CRD_DIR } from '../../../api/crd-files.js';
import type { KubeObject } from '../../../api/object.js';
import { GitRepositories, Kustomizations } from '../../../bootstrap/cluster.js';
import { repoFiles } from '../../../bootstrap/repo-files.js';
import { defaultManagerOptions, startControllers, type ControllersHandle } from '../../../controllers/run.js';
import { execGit, isolatedGitEnv } from '../../../gitserver/git-process.js';
import { startGitServer } from '../../../gitserver/index.js';
import type { GitServer, Repo } from '../../../gitserver/types.js';
import { instanceSelector } from '../../../install/labels.js';
import { defaultInstallOptions } from '../../../install/options.js';
import { InstallResources } from '../../../install/resources.js';
import { defaultCacheDir } from '../../../localcluster/defaults.js';
import type { KubeClient } from '../../../runtime/client/client.js';
import { connect } from '../../../runtime/client/connect.js';
import { loadKubeConfigFromFile } from '../../../runtime/client/kubeconfig.js';
import { CoreResources } from '../../../runtime/client/resource.js';
import { createLogger } from '../../../runtime/log/logger.js';
import { useTestEnvironment } from '../../../testenv/env.js';
import { eventually } from '../../../testenv/eventually.js';
import { runTide } from '../../testdata/context.js';
import { cliVersion } from '../version/index.js';

describe('tide bootstrap git', { timeout: 400_000 }, () => {
  const namespace = `tide-boot-${randomBytes(4).toString('hex')}`;
  const clusterPath = 'clusters/test';
  let kubeconfig: string;
  let client: KubeClient;
  let git: GitServer;
  let repo: Repo;
  let controllers: ControllersHandle | undefined;
  let storage: string;

  const bootstrap = (extra: readonly string[] = []) =>
    runTide(
      [
        'bootstrap',
        'git',
        `--url=${repo.httpsUrl}`,
        `--username=${git.credentials.username}`,
        `--password=${git.credentials.password}`,
        `--ca-file=${git.caCertPath}`,
        `--path=${clusterPath}`,
        '--interval=1m',
        '-n',
        namespace,
        '--skip-crds',
        '--timeout=3m',
        '--silent',
        ...extra,
      ],
      { env: { KUBECONFIG: kubeconfig } },
    );

  before(async () => {
    const env = await useTestEnvironment();
    kubeconfig = env.kubeconfigPath;
    await env.installCRDs(CRD_DIR);
    client = await connect(loadKubeConfigFromFile(kubeconfig, { env: {} }));
    git = await startGitServer();
    repo = await git.createRepo(`${namespace}/fleet`, { defaultBranch: 'main' });
    storage = await mkdtemp(path.join(os.tmpdir(), 'tide-bootstrap-storage-'));
    controllers = await startControllers({
      kubeConfig: loadKubeConfigFromFile(kubeconfig),
      manager: defaultManagerOptions(['source', 'kustomize'], {
        metricsAddr: '127.0.0.1:0',
        healthAddr: '127.0.0.1:0',
        watchAllNamespaces: false,
        runtimeNamespace: namespace,
        gracefulShutdownTimeoutMs: 5_000,
        minRetryDelayMs: 200,
        maxRetryDelayMs: 2_000,
      }),
      source: { storagePath: storage, storageAddr: '127.0.0.1:0' },
      kustomize: { requeueDependencyMs: 1_000 },
      renderer: { processes: 1 },
      cacheDir: defaultCacheDir(process.env),
      logger: createLogger({ level: 'error', write: () => undefined }),
    });
    await controllers.ready;
  });

  after(async () => {
    await controllers?.stop();
    // The controllers are gone: nothing would run the finalizers.
    for (const res of [Kustomizations, GitRepositories]) {
      const list = await client.list(res, { namespace }).catch(() => ({ items: [] as KubeObject[] }));
      for (const obj of list.items) {
        await client
          .patch(res, { name: obj.metadata.name, namespace }, { metadata: { finalizers: null } })
          .catch(() => undefined);
      }
    }
    for (const res of [InstallResources.ClusterRoleBinding, InstallResources.ClusterRole]) {
      const list = await client.list(res, { labelSelector: instanceSelector(namespace) });
      for (const obj of list.items)
        await client.delete(res, { name: obj.metadata.name }).catch(() => undefined);
    }
    await client.delete(InstallResources.Namespace, { name: namespace }).catch(() => undefined);
    await git.close();
    await rm(storage, { recursive: true, force: true });
  });

  it('pushes the manifests to an empty repository, installs, and waits until the cluster syncs them', async () => {
    const res = await bootstrap();
    assert.equal(res.code, 0, res.stderr);
    const head = await repo.head('main');
    assert.match(res.stderr, /► cloning branch "main" from Git repository/);
    assert.match(res.stderr, /the repository is empty: starting branch "main"/);
    assert.match(
      res.stderr,
      new RegExp(`✔ committed component and sync manifests to "main" \\("${head}"\\)`),
    );
    assert.match(res.stderr, /► pushing manifests to/);
    assert.match(res.stderr, /✔ installed components/);
    assert.match(res.stderr, /✔ reconciled sync configuration/);
    assert.match(
      res.stderr,
      new RegExp(`✔ Kustomization reconciled successfully: applied revision main@sha1:${head}`),
    );
    assert.match(res.stderr, /✔ all components are healthy/);
    assert.doesNotMatch(
      res.stderr + res.stdout,
      new RegExp(git.credentials.password),
      'no secret in the output',
    );

    const expected = repoFiles({
      install: { ...defaultInstallOptions(cliVersion()), namespace },
      sync: {
        name: namespace,
        namespace,
        url: repo.httpsUrl,
        branch: 'main',
        intervalMs: 60_000,
        path: clusterPath,
        secretName: 'flux-system',
      },
      skipCrds: true,
    });
    for (const [file, content] of expected) assert.equal(await repo.show('main', file), content, file);

    const source = await client.get<KubeObject<unknown, { artifact?: { revision?: string } }>>(
      GitRepositories,
      namespace,
      namespace,
    );
    assert.equal(source.status?.artifact?.revision, `main@sha1:${head}`);
    const secret = await client.get<KubeObject & { data?: Record<string, string> }>(
      CoreResources.Secret,
      'flux-system',
      namespace,
    );
    const decoded = (k: string) => Buffer.from(secret.data?.[k] ?? '', 'base64').toString();
    assert.equal(decoded('username'), git.credentials.username);
    assert.equal(decoded('password'), git.credentials.password);
    assert.equal(decoded('ca.crt'), git.caCertPem);
  });

  it('changes nothing when run again: no new commit', async () => {
    const before = await repo.head('main');
    const res = await bootstrap();
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /✔ components manifests are up to date/);
    assert.doesNotMatch(res.stderr, /committed/);
    assert.equal(await repo.head('main'), before, 'no new commit');
  });

  it('syncs what is committed under --path afterwards', async () => {
    await repo.commit({
      [`${clusterPath}/greeting.yaml`]: `apiVersion: v1
kind: ConfigMap
metadata:
  name: greeting
  namespace: ${namespace}
data:
  hello: world
`,
    });
    // Not waiting for the 1m interval.
    await client.patch(
      GitRepositories,
      { name: namespace, namespace },
      { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': new Date().toISOString() } } },
      { type: 'merge' },
    );
    const cm = await eventually(
      () =>
        client.get<KubeObject & { data?: Record<string, string> }>(
          CoreResources.ConfigMap,
          'greeting',
          namespace,
        ),
      { timeoutMs: 120_000, maxIntervalMs: 500, message: 'waiting for the ConfigMap committed under --path' },
    );
    assert.equal(cm.data?.['hello'], 'world');
    assert.equal(cm.metadata.labels?.['kustomize.toolkit.fluxcd.io/name'], namespace);
  });

  it('moves the cluster to the SSH URL with --private-key-file: one new commit, SSH credentials in the Secret', async () => {
    const before = await repo.head('main');
    const res = await runTide(
      [
        'bootstrap',
        'git',
        `--url=${repo.sshUrl}`,
        `--private-key-file=${git.credentials.sshPrivateKeyPath}`,
        `--path=${clusterPath}`,
        '-n',
        namespace,
        '--skip-crds',
        '--timeout=3m',
        '--author-name=Bootstrap Bot',
        '--author-email=bot@example.com',
        '--commit-message-appendix=[ci skip]',
      ],
      { env: { KUBECONFIG: kubeconfig } },
    );
    assert.equal(res.code, 0, res.stderr);
    const head = await repo.head('main');
    assert.notEqual(head, before);
    assert.match(res.stderr, /✔ collected the host keys of the SSH server 127\.0\.0\.1:/);
    assert.match(
      res.stderr,
      new RegExp(`✔ GitRepository reconciled successfully: fetched revision main@sha1:${head}`),
    );
    assert.doesNotMatch(res.stderr, /public key:/, 'a given key is not a generated deploy key');
    assert.match(
      await repo.show('main', `${clusterPath}/flux-system/gotk-sync.yaml`),
      new RegExp(`url: ${repo.sshUrl}`),
    );
    const log = await execGit(['log', '-1', '--format=%an <%ae>%n%B', 'main'], {
      env: isolatedGitEnv(os.tmpdir()),
      cwd: repo.path,
    });
    assert.match(
      log.stdout.toString(),
      /^Bootstrap Bot <bot@example\.com>\nAdd Tide v.* component and sync manifests\n\n\[ci skip\]/,
    );
    const secret = await client.get<KubeObject & { data?: Record<string, string> }>(
      CoreResources.Secret,
      'flux-system',
      namespace,
    );
    assert.deepEqual(Object.keys(secret.data ?? {}).sort(), ['identity', 'identity.pub', 'known_hosts']);
    // The ConfigMap committed earlier is still applied from the same branch, now over SSH.
    await client.get(CoreResources.ConfigMap, 'greeting', namespace);
  });

  it('names the flag when the password is wrong', async () => {
    const res = await runTide(
      [
        'bootstrap',
        'git',
        `--url=${repo.httpsUrl}`,
        `--username=${git.credentials.username}`,
        '--password=wrong-password',
        `--ca-file=${git.caCertPath}`,
        '-n',
        namespace,
        '--skip-crds',
        '--timeout=1m',
        '-s',
      ],
      { env: { KUBECONFIG: kubeconfig } },
    );
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /authentication failed/);
    assert.match(res.stderr, /--username\/--password/);
    assert.doesNotMatch(res.stderr, /wrong-password/);
  });
});
