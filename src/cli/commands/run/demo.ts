// The default run after the cluster is there: CRDs and namespace, the demo repository
// and its git server, the controllers in this process, the demo objects, and the wait
// until the demo is Ready. Everything started here is stopped by the returned close().
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KustomizationKind, type Kustomization } from '../../../api/kustomize/kustomization.js';
import type { KubeObject } from '../../../api/object.js';
import { GitRepositoryKind } from '../../../api/source/gitrepository.js';
import { defaultManagerOptions, startControllers, type ControllersHandle } from '../../../controllers/run.js';
import { DEMO_NAME, demoObjects } from '../../../demo/objects.js';
import { startDemoRepo, type DemoRepo } from '../../../demo/repo.js';
import { applyObjects, FIELD_MANAGER, isCrd, waitForCrds } from '../../../install/apply.js';
import { crds, namespaceObject } from '../../../install/manifests.js';
import { defaultInstallOptions } from '../../../install/options.js';
import type { KubeClient } from '../../../runtime/client/client.js';
import type { ResolvedKubeConfig } from '../../../runtime/client/kubeconfig.js';
import { CoreResources, resourceFor } from '../../../runtime/client/resource.js';
import { createLogger } from '../../../runtime/log/logger.js';
import type { CliContext } from '../../context.js';
import { nounForKindWord } from '../../resources/nouns.js';
import { readiness } from '../../resources/status.js';
import { pollUntil } from '../../resources/wait.js';
import { withProgress } from '../../ui/progress.js';
import { cliVersion } from '../version/index.js';

export const DEMO_NAMESPACE_FLUX = 'flux-system';
const Kustomizations = resourceFor(KustomizationKind);
const GitRepositories = resourceFor(GitRepositoryKind);

export interface DemoOptions {
  readonly client: KubeClient;
  readonly kubeConfig: ResolvedKubeConfig;
  /** Where the demo repository lives (kept across runs). */
  readonly demoDir: string;
  /** The controllers' JSON log. */
  readonly logFile: string;
  readonly waitTimeoutMs: number;
}

export interface RunningDemo {
  readonly repo: DemoRepo;
  readonly controllers: ControllersHandle;
  readonly kustomization: Kustomization;
  close(): Promise<void>;
}

/** Applies the CRDs and the flux-system namespace, and waits until the CRDs are Established. */
async function installCrds(ctx: CliContext, client: KubeClient): Promise<void> {
  const options = { ...defaultInstallOptions(cliVersion()), namespace: DEMO_NAMESPACE_FLUX };
  const objects = [...crds(options), namespaceObject(options)];
  await withProgress(ctx, `installing the Tide CRDs and the ${DEMO_NAMESPACE_FLUX} namespace`, async () => {
    await applyObjects(objects, { client, signal: ctx.signal });
    await waitForCrds(
      objects.filter(isCrd).map((o) => o.metadata.name),
      { client, signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(60_000)]) },
    );
  });
}

async function openLog(file: string): Promise<WriteStream> {
  await mkdir(path.dirname(file), { recursive: true });
  return createWriteStream(file, { flags: 'w', mode: 0o600 });
}

export async function startDemo(ctx: CliContext, opts: DemoOptions): Promise<RunningDemo> {
  const cleanups: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    await installCrds(ctx, opts.client);

    ctx.output.err(`► starting the demo git server (repository: ${path.join(opts.demoDir, 'app')})`);
    const repo = await startDemoRepo(opts.demoDir);
    cleanups.push(() => repo.close());

    ctx.output.err(`► starting the controllers (log: ${opts.logFile})`);
    const log = await openLog(opts.logFile);
    cleanups.push(() => new Promise<void>((resolve) => log.end(resolve)));
    const storage = await mkdtemp(path.join(os.tmpdir(), 'tide-run-storage-'));
    cleanups.push(() => rm(storage, { recursive: true, force: true }));
    const manager = defaultManagerOptions(['source', 'kustomize'], {
      metricsAddr: '127.0.0.1:0',
      healthAddr: '127.0.0.1:0',
      runtimeNamespace: DEMO_NAMESPACE_FLUX,
      gracefulShutdownTimeoutMs: 10_000,
      kubeconfig: undefined,
    });
    const controllers = await startControllers({
      kubeConfig: opts.kubeConfig,
      manager,
      source: { storagePath: storage, storageAddr: '127.0.0.1:0' },
      cacheDir: ctx.cacheDir,
      logger: createLogger({ level: 'info', write: (line) => log.write(`${line}\n`) }),
    });
    cleanups.push(() => controllers.stop());
    await withProgress(ctx, 'starting the controllers', () => controllers.ready);

    const objects = demoObjects({
      namespace: DEMO_NAMESPACE_FLUX,
      url: repo.url,
      username: repo.username,
      password: repo.password,
      caPem: repo.server.caCertPem,
    });
    ctx.output.err(`► applying ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
    for (const obj of objects) {
      const res = obj.kind === 'Secret' ? CoreResources.Secret : nounForKindWord(obj.kind)?.resource;
      if (res === undefined) throw new Error(`no resource for ${obj.kind}`);
      await opts.client.apply(res, obj, { fieldManager: FIELD_MANAGER, force: true, signal: ctx.signal });
    }
    // A run after an earlier one: fetch the (possibly new) commit now, not at the next interval.
    await requestReconcile(opts.client, DEMO_NAME);

    const started = Date.now();
    const kustomization = await withProgress(
      ctx,
      `waiting for Kustomization ${DEMO_NAMESPACE_FLUX}/${DEMO_NAME}`,
      (progress) =>
        pollUntil(
          `Kustomization ${DEMO_NAMESPACE_FLUX}/${DEMO_NAME} to be Ready`,
          {
            timeoutMs: opts.waitTimeoutMs,
            signal: ctx.signal,
            onMessage: (m) => {
              progress.update(`waiting for Kustomization ${DEMO_NAMESPACE_FLUX}/${DEMO_NAME}: ${m}`);
            },
          },
          async () => {
            const ks = await opts.client.get<Kustomization>(Kustomizations, DEMO_NAME, DEMO_NAMESPACE_FLUX);
            const state = readiness(ks);
            return state.state === 'ready'
              ? { done: true, value: ks }
              : { done: false, message: state.message };
          },
        ),
      { done: (ms) => `demo synced in ${(ms / 1000).toFixed(0)}s` },
    );
    if (Date.now() - started < 1000) ctx.output.err('✔ demo synced');
    return { repo, controllers, kustomization, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Asks the source controller to fetch now (the annotation `tide reconcile` sets). */
export async function requestReconcile(client: KubeClient, name: string): Promise<void> {
  await client.patch<KubeObject>(
    GitRepositories,
    { name, namespace: DEMO_NAMESPACE_FLUX },
    { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': new Date().toISOString() } } },
  );
}
