// `tide install`, `check`, `version` and `uninstall` against the shared local cluster,
// in a namespace of their own. The CRDs are cluster-wide and shared with every other
// test: they are installed the test environment's way, `tide install --skip-crds` uses
// them, `tide uninstall --keep-crds` leaves them, and the install's own CRDs (with
// their extra labels) are only sent as a server-side dry run.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import type { KubeObject } from '../api/object.js';
import { CRD_DIR } from '../api/crd-files.js';
import { GitRepositoryKind } from '../api/source/gitrepository.js';
import { runTide } from '../cli/testdata/context.js';
import { ExitCode } from '../cli/context.js';
import type { KubeClient } from '../runtime/client/client.js';
import { connect } from '../runtime/client/connect.js';
import { isNotFound } from '../runtime/client/errors.js';
import { loadKubeConfigFromFile } from '../runtime/client/kubeconfig.js';
import { resourceFor } from '../runtime/client/resource.js';
import { useTestEnvironment } from '../testenv/env.js';
import { eventually } from '../testenv/eventually.js';
import { FIELD_MANAGER } from './apply.js';
import { instanceSelector } from './labels.js';
import { crds } from './manifests.js';
import { defaultInstallOptions } from './options.js';
import { InstallResources } from './resources.js';

describe('tide install, check, version and uninstall', { timeout: 300_000 }, () => {
  const namespace = `tide-install-${randomBytes(4).toString('hex')}`;
  let kubeconfig: string;
  let client: KubeClient;
  const tide = (args: readonly string[], opts: { answers?: readonly boolean[] } = {}) =>
    runTide(args, { env: { KUBECONFIG: kubeconfig }, ...opts });

  before(async () => {
    const env = await useTestEnvironment();
    kubeconfig = env.kubeconfigPath;
    await env.installCRDs(CRD_DIR);
    client = await connect(loadKubeConfigFromFile(kubeconfig, { env: {} }));
  });

  // Whatever a failed test left: the namespace and the cluster-scoped RBAC of this installation.
  after(async () => {
    const selector = instanceSelector(namespace);
    for (const res of [InstallResources.ClusterRoleBinding, InstallResources.ClusterRole]) {
      const list = await client.list(res, { labelSelector: selector });
      for (const obj of list.items)
        await client.delete(res, { name: obj.metadata.name }).catch(() => undefined);
    }
    await client.delete(InstallResources.Namespace, { name: namespace }).catch(() => undefined);
  });

  it("the API server accepts the install's CRDs (dry run: the shared ones stay untouched)", async () => {
    for (const crd of crds(defaultInstallOptions('0.0.0-test'))) {
      const answer = await client.apply<KubeObject>(InstallResources.CustomResourceDefinition, crd, {
        fieldManager: FIELD_MANAGER,
        force: true,
        dryRun: true,
      });
      assert.equal(answer.metadata.labels?.['app.kubernetes.io/version'], '0.0.0-test', crd.metadata.name);
      const live = await client.get(InstallResources.CustomResourceDefinition, crd.metadata.name);
      assert.notEqual(
        live.metadata.labels?.['app.kubernetes.io/version'],
        '0.0.0-test',
        'dry run changed nothing',
      );
    }
  });

  it('installs into a fresh namespace and waits for the controllers', async () => {
    const res = await tide(['install', '-n', namespace, '--skip-crds', '--timeout', '2m']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`^Namespace/${namespace} created$`, 'm'));
    assert.match(res.stdout, new RegExp(`^Deployment/${namespace}/source-controller created$`, 'm'));
    assert.match(res.stdout, new RegExp(`^ClusterRoleBinding/cluster-reconciler-${namespace} created$`, 'm'));
    assert.doesNotMatch(res.stdout, /CustomResourceDefinition/, '--skip-crds applies no CRD');
    assert.match(res.stderr, /✔ source-controller: deployment ready/);
    assert.match(res.stderr, /✔ kustomize-controller: deployment ready/);
    assert.match(res.stderr, /✔ install finished/);
    for (const name of ['source-controller', 'kustomize-controller']) {
      const d = await client.get<KubeObject<unknown, { availableReplicas?: number }>>(
        InstallResources.Deployment,
        name,
        namespace,
      );
      assert.equal(d.status?.availableReplicas, 1, `${name} is available`);
    }
    const svc = await client.get<KubeObject<{ ports: { port: number }[] }>>(
      InstallResources.Service,
      'source-controller',
      namespace,
    );
    assert.equal(svc.spec?.ports[0]?.port, 80);
  });

  it('changes nothing when run again, and upgrades what an option changes', async () => {
    const again = await tide(['install', '-n', namespace, '--skip-crds', '--timeout', '2m']);
    assert.equal(again.code, 0, again.stderr);
    const lines = again.stdout.trim().split('\n');
    assert.ok(lines.length > 10, again.stdout);
    assert.deepEqual(
      lines.filter((l) => !l.endsWith(' unchanged')),
      [],
      'a second identical install changes no object',
    );
    const upgrade = await tide([
      'install',
      '-n',
      namespace,
      '--skip-crds',
      '--log-level=debug',
      '--timeout',
      '2m',
    ]);
    assert.equal(upgrade.code, 0, upgrade.stderr);
    assert.match(
      upgrade.stdout,
      new RegExp(`^Deployment/${namespace}/kustomize-controller configured$`, 'm'),
    );
    assert.match(upgrade.stdout, new RegExp(`^Service/${namespace}/source-controller unchanged$`, 'm'));
    const d = await client.get<KubeObject<{ template: { spec: { containers: { args: string[] }[] } } }>>(
      InstallResources.Deployment,
      'kustomize-controller',
      namespace,
    );
    assert.ok(
      d.spec?.template.spec.containers[0]?.args.includes('--log-level=debug'),
      'the new args are live',
    );
  });

  it("reports the installation healthy, and the controllers' versions", async () => {
    const check = await tide(['check', '-n', namespace, '--timeout', '1m', '--poll-interval', '1s']);
    assert.equal(check.code, 0, `${check.stdout}\n${check.stderr}`);
    assert.match(check.stdout, /^✔ Kubernetes \d+\.\d+\.\d+ >=1\.30\.0$/m);
    assert.match(check.stdout, /^✔ source-controller: deployment ready$/m);
    assert.match(check.stdout, /^► ghcr\.io\/tide-gitops\/tide:v\d+\.\d+\.\d+/m);
    assert.match(check.stdout, /^✔ kustomizations\.kustomize\.toolkit\.fluxcd\.io\/v1$/m);
    assert.match(check.stdout, /^✔ all checks passed$/m);

    const version = await tide(['version', '-n', namespace, '-o', 'json']);
    assert.equal(version.code, 0, version.stderr);
    const versions = JSON.parse(version.stdout) as Record<string, string>;
    assert.deepEqual(Object.keys(versions).sort(), ['kustomize-controller', 'source-controller', 'tide']);
    assert.equal(versions['source-controller'], versions['tide'], "the default image is the CLI's version");
  });

  it('checks before installing that the caller may install', async () => {
    const pre = await tide(['check', '--pre', '-n', `${namespace}-next`]);
    assert.equal(pre.code, 0, `${pre.stdout}\n${pre.stderr}`);
    assert.match(pre.stdout, /^✔ permissions to install \(\d+ checks/m);
    assert.match(pre.stdout, /^✔ all prerequisites checks passed$/m);
    assert.doesNotMatch(pre.stdout, /checking controllers/, '--pre checks no installation');
  });

  it('fails the pre-install check for a user who may not install, naming what is missing', async (t) => {
    const env = await useTestEnvironment();
    const ns = await env.createNamespace(t, 'tide-viewer');
    await client.create(InstallResources.ServiceAccount, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'viewer', namespace: ns },
    });
    const review = (await client.request({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/serviceaccounts/viewer/token`,
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 600 },
      },
    })) as { status: { token: string } };
    const admin = parse(await readFile(kubeconfig, 'utf8')) as {
      clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    };
    const cluster = admin.clusters[0]?.cluster;
    assert.ok(cluster !== undefined, 'the admin kubeconfig names a cluster');
    const viewerConfig = path.join(await mkdtemp(path.join(os.tmpdir(), 'tide-viewer-')), 'kubeconfig');
    t.after(() => rm(path.dirname(viewerConfig), { recursive: true, force: true }));
    await writeFile(
      viewerConfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster }],
        users: [{ name: 'viewer', user: { token: review.status.token } }],
        contexts: [{ name: 'viewer', context: { cluster: 'c', user: 'viewer' } }],
        'current-context': 'viewer',
      }),
    );
    const res = await runTide(['check', '--pre', '-n', `${namespace}-next`], {
      env: { KUBECONFIG: viewerConfig },
    });
    assert.equal(res.code, ExitCode.failure, res.stdout);
    assert.match(res.stdout, /^✔ Kubernetes /m);
    assert.match(res.stdout, /^✗ not allowed to create customresourcedefinitions\.apiextensions\.k8s\.io$/m);
    assert.match(
      res.stdout,
      /^✗ not allowed to bind clusterroles\.rbac\.authorization\.k8s\.io cluster-admin$/m,
    );
    assert.match(res.stderr, /pre-requisites checks failed: \d+ problems/);
  });

  it('fails the check for a component that is not installed', async () => {
    const other = `${namespace}-none`;
    const res = await tide([
      'check',
      '-n',
      other,
      '--components=source-controller',
      '--timeout',
      '2s',
      '--poll-interval',
      '500ms',
    ]);
    assert.equal(res.code, ExitCode.failure);
    assert.match(res.stdout, new RegExp(`✗ source-controller: no Deployment in the ${other} namespace`));
    assert.match(res.stderr, /checks failed: 1 problem/);
  });

  it('lists what uninstall would delete without deleting it', async () => {
    const res = await tide(['uninstall', '-n', namespace, '--keep-crds', '--dry-run']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(
      res.stdout,
      new RegExp(`^Deployment/${namespace}/source-controller deleted \\(dry run\\)$`, 'm'),
    );
    assert.match(
      res.stdout,
      new RegExp(`^ClusterRole/crd-controller-${namespace} deleted \\(dry run\\)$`, 'm'),
    );
    assert.match(res.stdout, new RegExp(`^Namespace/${namespace} deleted \\(dry run\\)$`, 'm'));
    assert.doesNotMatch(res.stdout, /CustomResourceDefinition/, '--keep-crds keeps the CRDs');
    await client.get(InstallResources.Deployment, 'source-controller', namespace);
    await client.get(InstallResources.ClusterRole, `crd-controller-${namespace}`);

    // Only now that a dry run is known to delete nothing: the shared CRDs are listed, and stay.
    const withCrds = await tide(['uninstall', '-n', namespace, '--dry-run']);
    assert.equal(withCrds.code, 0, withCrds.stderr);
    assert.match(
      withCrds.stdout,
      /^CustomResourceDefinition\/gitrepositories\.source\.toolkit\.fluxcd\.io deleted \(dry run\)$/m,
    );
    assert.match(withCrds.stderr, /removing finalizers of custom objects in all namespaces/);
    await client.get(InstallResources.CustomResourceDefinition, 'gitrepositories.source.toolkit.fluxcd.io');
  });

  it('removes what install created, finalizers included, and keeps the shared CRDs', async () => {
    const gitRepos = resourceFor(GitRepositoryKind);
    await client.create(gitRepos, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'orphan', namespace, finalizers: ['finalizers.fluxcd.io'] },
      spec: { url: 'https://example.com/repo.git', interval: '1m' },
    });
    const refused = await tide(['uninstall', '-n', namespace, '--keep-crds']);
    assert.equal(refused.code, ExitCode.usage, 'no terminal and no --silent');
    await client.get(InstallResources.Deployment, 'source-controller', namespace);

    const res = await tide(['uninstall', '-n', namespace, '--keep-crds', '--silent']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, new RegExp(`^GitRepository/${namespace}/orphan finalizers removed$`, 'm'));
    assert.match(res.stderr, /✔ uninstall finished/);
    for (const res of [InstallResources.ClusterRole, InstallResources.ClusterRoleBinding]) {
      const left = await client.list(res, { labelSelector: instanceSelector(namespace) });
      assert.deepEqual(
        left.items.map((o) => o.metadata.name),
        [],
        `no ${res.kind} of the installation is left`,
      );
    }
    await client.get(InstallResources.CustomResourceDefinition, 'gitrepositories.source.toolkit.fluxcd.io');
  });

  it('installs again right after an uninstall, once the namespace is gone', async () => {
    const again = await tide(['install', '-n', namespace, '--skip-crds', '--timeout', '2m']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^Namespace/${namespace} created$`, 'm'));
    const res = await tide(['uninstall', '-n', namespace, '--keep-crds', '-s']);
    assert.equal(res.code, 0, res.stderr);
    // The namespace goes, and with it everything in it.
    await eventually(
      async () => {
        try {
          await client.get(InstallResources.Namespace, namespace);
        } catch (err) {
          if (isNotFound(err)) return;
          throw err;
        }
        throw new Error(`namespace ${namespace} still exists`);
      },
      { timeoutMs: 60_000, message: 'the namespace is deleted' },
    );
  });
});
