// Shared setup of the source-controller integration tests: CRDs on the test cluster,
// a git server, and a manager running the source controller in this process with its
// logs captured (so tests can grep them for secrets).
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRD_DIR } from '../../../api/crd-files.js';
import type { Condition } from '../../../api/meta/status.js';
import type { KubeObject } from '../../../api/object.js';
import type { GitRepository } from '../../../api/source/gitrepository.js';
import type { ArtifactStorage } from '../../../artifact/storage.js';
import { startGitServer } from '../../../gitserver/index.js';
import type { GitServer } from '../../../gitserver/types.js';
import type { KubeClient } from '../../../runtime/client/client.js';
import { CoreResources, resourceFor, type ResourceType } from '../../../runtime/client/resource.js';
import { KustomizationKind } from '../../../api/kustomize/kustomization.js';
import { ArtifactGeneratorKind } from '../../../api/sourceextensions/artifactgenerator.js';
import { createLogger } from '../../../runtime/log/logger.js';
import { Manager } from '../../../runtime/manager/manager.js';
import type { ManagerOptions } from '../../../runtime/manager/options.js';
import { useTestEnvironment, type TestEnvironment } from '../../../testenv/env.js';
import { eventually } from '../../../testenv/eventually.js';
import { GitRepositories } from '../gitrepository/reconcile-include.js';
import { registerSourceController } from '../source-controller.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

export interface SourceHarness {
  readonly env: TestEnvironment;
  readonly client: KubeClient;
  readonly git: GitServer;
  readonly storage: ArtifactStorage;
  readonly storagePath: string;
  /** Every log line the manager wrote. */
  readonly logs: string[];
  /** Stops the manager and starts a new one on the same storage, port and shard. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Test files run in parallel processes against one cluster, each with its own manager
 * and storage. Each harness is its own shard (--watch-label-selector), and objects made
 * through this module carry its shard label, so no manager reconciles another's objects.
 */
let shard = 'unset';
export const SHARD_LABEL = 'sharding.fluxcd.io/key';

/** Labels that put an object into this process's shard. */
export function shardLabels(): Record<string, string> {
  return { [SHARD_LABEL]: shard };
}

/** Manager options for an in-process test manager: this process's shard, fast retries, no election. */
export function testManagerOptions(
  env: TestEnvironment,
  overrides: Partial<ManagerOptions> = {},
): ManagerOptions {
  return {
    metricsAddr: '127.0.0.1:0',
    healthAddr: '127.0.0.1:0',
    concurrent: 4,
    kubeApiQps: 100,
    kubeApiBurst: 200,
    watchAllNamespaces: true,
    runtimeNamespace: 'default',
    watchLabelSelector: `${SHARD_LABEL}=${shard}`,
    leaderElection: {
      enabled: false,
      leaseDurationMs: 35_000,
      renewDeadlineMs: 30_000,
      retryPeriodMs: 5_000,
      releaseOnCancel: true,
    },
    minRetryDelayMs: 200,
    maxRetryDelayMs: 2_000,
    intervalJitterPercentage: 0,
    gracefulShutdownTimeoutMs: 5_000,
    eventsAddr: undefined,
    logLevel: 'debug',
    kubeconfig: env.kubeconfigPath,
    ...overrides,
  };
}

export interface HarnessExtras {
  /** Registers more controllers on each manager the harness starts (e.g. the kustomize controller). */
  readonly register?: (manager: Manager) => Promise<void>;
  /** The manager's name (field manager prefix, event reporter). */
  readonly managerName?: string;
}

export async function startSourceHarness(
  overrides: Partial<ManagerOptions> = {},
  extras: HarnessExtras = {},
): Promise<SourceHarness> {
  shard = `test-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
  const env = await useTestEnvironment();
  await env.installCRDs(path.join(root, CRD_DIR));
  const git = await startGitServer();
  const storagePath = await mkdtemp(path.join(os.tmpdir(), 'tide-storage-'));
  const port = await freePort();
  const logs: string[] = [];
  const options = testManagerOptions(env, overrides);
  const startManager = async () => {
    const manager = await Manager.create({
      name: extras.managerName ?? 'source-controller',
      kubeConfig: env.kc,
      options,
      logger: createLogger({ level: 'debug', write: (line) => logs.push(line) }),
    });
    const storage = await registerSourceController(manager, {
      storagePath,
      storageAddr: `127.0.0.1:${port}`,
      storageAdvAddr: `127.0.0.1:${port}`,
      requeueDependencyMs: 1_000,
    });
    await extras.register?.(manager);
    const stop = new AbortController();
    const running = manager.run(stop.signal);
    return { manager, storage, stop: () => (stop.abort(), running) };
  };
  let current = await startManager();
  const client = current.manager.client;
  return {
    env,
    client,
    git,
    get storage() {
      return current.storage;
    },
    storagePath,
    logs,
    async restart() {
      await current.stop();
      current = await startManager();
    },
    async stop() {
      // Objects of this shard being deleted (their test namespace is going) are finalized by
      // this manager before it stops; otherwise their namespaces would hang in Terminating.
      await finalizeShard(client, options.watchLabelSelector ?? '');
      await current.stop();
      await git.close();
      await rm(storagePath, { recursive: true, force: true });
    },
  };
}

export function gitRepository(
  namespace: string,
  name: string,
  spec: NonNullable<GitRepository['spec']>,
): GitRepository {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name, namespace, labels: shardLabels() },
    spec,
  };
}

export async function createSecret(
  client: KubeClient,
  namespace: string,
  name: string,
  stringData: Record<string, string>,
): Promise<void> {
  await client.create(CoreResources.Secret, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    stringData,
  } as KubeObject);
}

export async function readGitRepository(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<GitRepository> {
  return client.get<GitRepository>(GitRepositories, name, namespace);
}

export function conditionOf(obj: GitRepository, type: string): Condition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/** Waits until Ready has the wanted status for the current generation, returns the object. */
export async function waitReady(
  client: KubeClient,
  namespace: string,
  name: string,
  status: 'True' | 'False' = 'True',
  timeoutMs = 60_000,
): Promise<GitRepository> {
  return eventually(
    async () => {
      const obj = await readGitRepository(client, namespace, name);
      const ready = conditionOf(obj, 'Ready');
      if (ready?.status !== status || ready.observedGeneration !== obj.metadata.generation) {
        throw new Error(
          `Ready is ${ready?.status ?? 'absent'} (${ready?.reason ?? ''}: ${ready?.message ?? ''})`,
        );
      }
      return obj;
    },
    { timeoutMs },
  );
}

export async function requestReconcile(client: KubeClient, namespace: string, name: string): Promise<string> {
  const token = new Date().toISOString() + Math.random().toString(16).slice(2, 6);
  await client.patch(
    GitRepositories,
    { name, namespace },
    {
      metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } },
    },
  );
  return token;
}

export async function waitHandled(
  client: KubeClient,
  namespace: string,
  name: string,
  token: string,
): Promise<GitRepository> {
  return eventually(
    async () => {
      const obj = await readGitRepository(client, namespace, name);
      if (obj.status?.lastHandledReconcileAt !== token) throw new Error('request not handled yet');
      return obj;
    },
    { timeoutMs: 60_000 },
  );
}

/** Kinds the test managers put finalizers on. */
const FINALIZED_KINDS: readonly ResourceType[] = [
  GitRepositories,
  resourceFor(KustomizationKind),
  resourceFor(ArtifactGeneratorKind),
];

/**
 * Waits (up to 20 s) until no object of this shard is left in a namespace being deleted
 * (the manager still runs and finalizes them as the namespace controller deletes them),
 * then removes the finalizers of any left, so no namespace of this process stays Terminating.
 */
async function finalizeShard(client: KubeClient, selector: string): Promise<void> {
  const doomed = async (): Promise<{ res: ResourceType; obj: KubeObject }[]> => {
    const terminating = new Map<string, boolean>();
    const found: { res: ResourceType; obj: KubeObject }[] = [];
    for (const res of FINALIZED_KINDS) {
      const list = await client
        .list(res, { labelSelector: selector })
        .catch(() => ({ items: [] as KubeObject[] }));
      for (const obj of list.items) {
        const ns = obj.metadata.namespace ?? '';
        if (!terminating.has(ns)) {
          const namespace = await client.get(CoreResources.Namespace, ns).catch(() => undefined);
          terminating.set(ns, namespace === undefined || namespace.metadata.deletionTimestamp !== undefined);
        }
        if (obj.metadata.deletionTimestamp !== undefined || terminating.get(ns) === true)
          found.push({ res, obj });
      }
    }
    return found;
  };
  const deadline = Date.now() + 20_000;
  let left = await doomed();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    left = await doomed();
  }
  for (const { res, obj } of left) {
    await client
      .patch(
        res,
        { name: obj.metadata.name, namespace: obj.metadata.namespace },
        { metadata: { finalizers: null } },
      )
      .catch(() => undefined);
  }
}
