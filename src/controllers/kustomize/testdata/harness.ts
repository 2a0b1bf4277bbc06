// Shared setup of the kustomize-controller integration tests: one manager in this
// process running the source controller (git artifacts from the test git server) and
// the kustomize controller, on the shared cluster, in this process's shard.
import type { Kustomization } from '../../../api/kustomize/kustomization.js';
import type { Condition } from '../../../api/meta/status.js';
import type { KubeObject } from '../../../api/object.js';
import type { Repo } from '../../../gitserver/types.js';
import { defaultCacheDir } from '../../../localcluster/defaults.js';
import type { KubeClient } from '../../../runtime/client/client.js';
import { isNotFound } from '../../../runtime/client/errors.js';
import type { ManagerOptions } from '../../../runtime/manager/options.js';
import { Renderer } from '../../../render/renderer.js';
import { eventually } from '../../../testenv/eventually.js';
import {
  createSecret,
  gitRepository,
  shardLabels,
  startSourceHarness,
  waitReady,
  type SourceHarness,
} from '../../source/testdata/harness.js';
import { GitRepositories } from '../../source/gitrepository/reconcile-include.js';
import { registerKustomizeController, type KustomizeControllerOptions } from '../kustomize-controller.js';
import { Kustomizations } from '../kustomization/resources.js';

export { shardLabels, createSecret };

export interface KustomizeHarness extends SourceHarness {
  readonly renderer: Renderer;
}

export async function startKustomizeHarness(
  opts: { controller?: Partial<KustomizeControllerOptions>; manager?: Partial<ManagerOptions> } = {},
): Promise<KustomizeHarness> {
  const renderer = await Renderer.start({ cacheDir: defaultCacheDir(process.env), processes: 2 });
  const source = await startSourceHarness(opts.manager ?? {}, {
    managerName: 'tide-test',
    register: (manager) =>
      registerKustomizeController(manager, {
        renderer,
        requeueDependencyMs: 1_000,
        healthPollMs: 250,
        httpRetry: 1,
        ...opts.controller,
      }),
  });
  return Object.assign(Object.create(source) as SourceHarness, {
    renderer,
    async stop() {
      await source.stop();
      await renderer.close();
    },
  });
}

/** A git repository with `files` and a Ready GitRepository named `name` reading its main branch. */
export async function gitSource(
  h: SourceHarness,
  ns: string,
  name: string,
  files: Record<string, string>,
): Promise<Repo> {
  const repo = await h.git.createRepo(`${ns}/${name}`, { defaultBranch: 'main' });
  await repo.commit(files);
  await createSecret(h.client, ns, `${name}-auth`, {
    username: h.git.credentials.username,
    password: h.git.credentials.password,
    'ca.crt': h.git.caCertPem,
  });
  await h.client.create(
    GitRepositories,
    gitRepository(ns, name, {
      url: repo.httpsUrl,
      interval: '1s',
      ref: { branch: 'main' },
      secretRef: { name: `${name}-auth` },
    }),
  );
  await waitReady(h.client, ns, name);
  return repo;
}

export function kustomization(
  namespace: string,
  name: string,
  spec: Partial<NonNullable<Kustomization['spec']>> & {
    sourceRef?: NonNullable<Kustomization['spec']>['sourceRef'];
  },
): Kustomization {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace, labels: shardLabels() },
    spec: {
      interval: '10m',
      retryInterval: '2s',
      prune: true,
      path: './',
      sourceRef: { kind: 'GitRepository', name: 'repo' },
      ...spec,
    },
  };
}

export async function readKustomization(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<Kustomization> {
  return client.get<Kustomization>(Kustomizations, name, namespace);
}

export function condition(
  obj: { status?: { conditions?: Condition[] } },
  type: string,
): Condition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/** Waits until the Kustomization satisfies `check` (which throws with a reason until then). */
export async function waitKustomization(
  client: KubeClient,
  namespace: string,
  name: string,
  check: (k: Kustomization) => void,
  timeoutMs = 90_000,
): Promise<Kustomization> {
  return eventually(
    async () => {
      const k = await readKustomization(client, namespace, name);
      check(k);
      return k;
    },
    { timeoutMs },
  );
}

/** Ready=True for the current generation, optionally at a revision. */
export function isReadyAt(revision?: string): (k: Kustomization) => void {
  return (k) => {
    const ready = condition(k, 'Ready');
    if (ready?.status !== 'True' || k.status?.observedGeneration !== k.metadata.generation) {
      throw new Error(
        `Ready is ${ready?.status ?? 'absent'} (${ready?.reason ?? ''}: ${ready?.message ?? ''})`,
      );
    }
    if (revision !== undefined && k.status?.lastAppliedRevision !== revision) {
      throw new Error(`lastAppliedRevision is ${k.status?.lastAppliedRevision ?? 'unset'}, want ${revision}`);
    }
  };
}

/** Ready=False with `reason` (and a message containing `text`). */
export function isFailing(reason: string, text?: string): (k: Kustomization) => void {
  return (k) => {
    const ready = condition(k, 'Ready');
    if (
      ready?.status !== 'False' ||
      ready.reason !== reason ||
      (text !== undefined && !ready.message.includes(text))
    ) {
      throw new Error(
        `Ready is ${ready?.status ?? 'absent'} (${ready?.reason ?? ''}: ${ready?.message ?? ''})`,
      );
    }
  };
}

export async function getOrUndefined<T extends KubeObject>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
