// Setup shared by the tests of the controller process (in-process and as `tide
// controller`): CRDs on the shared cluster, a git server, a namespace, and a Flux
// "app" (GitRepository + Kustomization applying a ConfigMap) in this fixture's shard,
// so the controllers under test reconcile nothing of other test processes.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_DIR } from '../../../api/crd-files.js';
import { KustomizationKind, type Kustomization } from '../../../api/kustomize/kustomization.js';
import type { KubeObject } from '../../../api/object.js';
import { GitRepositoryKind, type GitRepository } from '../../../api/source/gitrepository.js';
import { startGitServer } from '../../../gitserver/index.js';
import type { GitServer } from '../../../gitserver/types.js';
import type { KubeClient } from '../../../runtime/client/client.js';
import { connect } from '../../../runtime/client/connect.js';
import { loadKubeConfigFromFile } from '../../../runtime/client/kubeconfig.js';
import { CoreResources, resourceFor } from '../../../runtime/client/resource.js';
import { useTestEnvironment, type TestEnvironment } from '../../../testenv/env.js';
import { eventually } from '../../../testenv/eventually.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const SHARD_LABEL = 'sharding.fluxcd.io/key';
export const GitRepositories = resourceFor(GitRepositoryKind);
export const Kustomizations = resourceFor(KustomizationKind);

export interface ControllerFixture {
  readonly env: TestEnvironment;
  readonly client: KubeClient;
  readonly git: GitServer;
  readonly namespace: string;
  /** `--watch-label-selector` for the controllers under test. */
  readonly selector: string;
  /** An empty directory for --storage-path. */
  readonly storagePath: string;
  /** A repo with a ConfigMap, a GitRepository and a Kustomization applying it, all named `name`. */
  createApp(name: string, greeting: string): Promise<void>;
  /** Waits until the Kustomization is Ready for its generation and its ConfigMap exists. */
  waitApplied(name: string, greeting: string, timeoutMs?: number): Promise<Kustomization>;
  /** Removes what the controllers may no longer finalize (they are stopped), then the namespace. */
  close(): Promise<void>;
}

export async function startControllerFixture(): Promise<ControllerFixture> {
  const shard = `run-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
  const labels = { [SHARD_LABEL]: shard };
  const env = await useTestEnvironment();
  await env.installCRDs(path.join(root, CRD_DIR));
  const client = await connect(loadKubeConfigFromFile(env.kubeconfigPath), { qps: 100, burst: 200 });
  const cleanups: (() => unknown)[] = [];
  const namespace = await env.createNamespace({ after: (fn) => cleanups.push(fn) }, 'run');
  const git = await startGitServer();
  const storagePath = await mkdtemp(path.join(os.tmpdir(), 'tide-run-storage-'));

  const readKustomization = (name: string) => client.get<Kustomization>(Kustomizations, name, namespace);
  return {
    env,
    client,
    git,
    namespace,
    selector: `${SHARD_LABEL}=${shard}`,
    storagePath,
    async createApp(name, greeting) {
      const repo = await git.createRepo(`${namespace}/${name}`, { defaultBranch: 'main' });
      await repo.commit({ 'configmap.yaml': configMap(name, greeting) });
      await client.create(CoreResources.Secret, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `${name}-auth`, namespace },
        stringData: {
          username: git.credentials.username,
          password: git.credentials.password,
          'ca.crt': git.caCertPem,
        },
      } as KubeObject);
      const source: GitRepository = {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name, namespace, labels },
        spec: {
          url: repo.httpsUrl,
          interval: '1m',
          ref: { branch: 'main' },
          secretRef: { name: `${name}-auth` },
        },
      };
      await client.create(GitRepositories, source);
      const kustomization: Kustomization = {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name, namespace, labels },
        spec: {
          interval: '10m',
          retryInterval: '2s',
          prune: true,
          path: './',
          targetNamespace: namespace,
          sourceRef: { kind: 'GitRepository', name },
        },
      };
      await client.create(Kustomizations, kustomization);
    },
    async waitApplied(name, greeting, timeoutMs = 120_000) {
      return eventually(
        async () => {
          const k = await readKustomization(name);
          const ready = k.status?.conditions?.find((c) => c.type === 'Ready');
          if (ready?.status !== 'True' || k.status?.observedGeneration !== k.metadata.generation) {
            throw new Error(
              `Kustomization ${name}: Ready is ${ready?.status ?? 'absent'} (${ready?.reason ?? ''}: ${ready?.message ?? ''})`,
            );
          }
          const cm = await client.get<KubeObject & { data?: Record<string, string> }>(
            CoreResources.ConfigMap,
            name,
            namespace,
          );
          if (cm.data?.['greeting'] !== greeting) throw new Error(`ConfigMap ${name} not applied`);
          return k;
        },
        { timeoutMs, maxIntervalMs: 250, message: `waiting for Kustomization ${namespace}/${name}` },
      );
    },
    async close() {
      for (const res of [Kustomizations, GitRepositories]) {
        const list = await client.list(res, { namespace, labelSelector: `${SHARD_LABEL}=${shard}` });
        for (const obj of list.items) {
          await client
            .patch(res, { name: obj.metadata.name, namespace }, { metadata: { finalizers: null } })
            .catch(() => undefined);
        }
      }
      for (const fn of cleanups) await fn();
      await git.close();
      await rm(storagePath, { recursive: true, force: true });
    },
  };
}

function configMap(name: string, greeting: string): string {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  greeting: ${greeting}
`;
}

/** Peak resident memory of a process, from /proc/<pid>/status (Linux), in MiB. */
export async function peakRssMiB(pid: number): Promise<{ hwm: number; rss: number }> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { hwm: kib('VmHWM') / 1024, rss: kib('VmRSS') / 1024 };
}
