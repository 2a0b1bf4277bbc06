// Runs Tide's controllers in this process: one manager with the source controller, the
// kustomize controller (and the renderer it needs), or both. `tide controller` (what the
// container runs) and the default run (controllers next to the local cluster) start here.
//
// Both controllers in one process share one manager: one client and rate limiter (see
// clientDefaultsFor), one set of informers (the kustomize controller reads the source
// kinds the source controller already watches), one /metrics and /readyz, one Lease.
import os from 'node:os';
import type { KubeConfigSource } from '../runtime/client/kubeconfig.js';
import { createLogger, type Logger } from '../runtime/log/logger.js';
import { Manager, type ManagerExit } from '../runtime/manager/manager.js';
import type { ManagerOptions } from '../runtime/manager/options.js';
import type { Endpoints } from '../runtime/metrics/server.js';
import { Renderer } from '../render/renderer.js';
import { registerKustomizeController, readSopsAgeSecret } from './kustomize/kustomize-controller.js';
import type { KustomizeControllerFlags } from './kustomize/options.js';
import { registerSourceController } from './source/source-controller.js';
import {
  CONTROLLERS,
  defaultStorageAdvAddr,
  managerNameFor,
  normalizeControllers,
  resolveListenPort,
  type ControllerName,
} from './run/defaults.js';

export {
  CONTROLLERS,
  DEFAULT_RUNTIME_NAMESPACE,
  clientDefaultsFor,
  concurrentDefaultFor,
  defaultManagerOptions,
  defaultStorageAdvAddr,
  managerNameFor,
  type ControllerName,
} from './run/defaults.js';

/** The source controller's flags (Flux's names in the comments). */
export interface SourceRunOptions {
  /** --storage-path; created when missing. */
  readonly storagePath: string;
  /** --storage-addr, where the artifact server listens; port 0 picks a free port. */
  readonly storageAddr: string;
  /** --storage-adv-addr; default: Flux's rule over storageAddr and this host's name. */
  readonly storageAdvAddr?: string | undefined;
  /** --artifact-retention-ttl (default 60s). */
  readonly artifactRetentionTtlMs?: number;
  /** --artifact-retention-records (default 2). */
  readonly artifactRetentionRecords?: number;
  /** --requeue-dependency (default 30s). */
  readonly requeueDependencyMs?: number;
  /** --no-cross-namespace-refs. */
  readonly noCrossNamespaceRefs?: boolean;
}

export interface RendererRunOptions {
  /** A prebuilt tide-render (a container image has no Go toolchain); else built into cacheDir. */
  readonly binary?: string | undefined;
  /** Helper processes; default: the cores, at most 4. */
  readonly processes?: number;
}

export interface StartControllersOptions {
  readonly kubeConfig: KubeConfigSource;
  /** Default: both. */
  readonly controllers?: readonly ControllerName[];
  readonly manager: ManagerOptions;
  /** Required when the source controller runs. */
  readonly source?: SourceRunOptions;
  /** The kustomize controller's flags; --sops-age-secret is read once, here, before starting. */
  readonly kustomize?: KustomizeControllerFlags;
  readonly renderer?: RendererRunOptions;
  /** Where tide-render is built and cached when no binary is given. */
  readonly cacheDir: string;
  /** JSON logs; default: to stderr at the manager's --log-level. */
  readonly logger?: Logger;
  /** Aborting it stops the controllers, as stop() does. */
  readonly signal?: AbortSignal;
}

export interface ControllersHandle {
  readonly controllers: readonly ControllerName[];
  /** The manager's name, e.g. `kustomize-controller`; its Lease is `<name>-leader-election`. */
  readonly name: string;
  readonly manager: Manager;
  /** The tide-render pool (kustomize controller only). */
  readonly renderer: Renderer | undefined;
  /**
   * Resolves once the informer caches are synced and the controllers (and the artifact
   * server) run; with leader election, once this instance leads. Rejects when the
   * controllers stop or fail first.
   */
  readonly ready: Promise<void>;
  /** Where the artifact server listens, once ready (source controller only). */
  readonly artifactServerUrl: string | undefined;
  /** /metrics and /healthz, /readyz, once the manager runs. */
  readonly endpoints: Endpoints | undefined;
  /** Stops taking work, drains within --graceful-shutdown-timeout, closes the renderer. Idempotent. */
  stop(): Promise<void>;
  /** Settles when the controllers have stopped: shutdown, or leadership lost (then the process should exit). */
  readonly done: Promise<ManagerExit>;
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export async function startControllers(opts: StartControllersOptions): Promise<ControllersHandle> {
  const controllers = normalizeControllers(opts.controllers ?? CONTROLLERS);
  const name = managerNameFor(controllers);
  const manager = await Manager.create({
    name,
    kubeConfig: opts.kubeConfig,
    options: opts.manager,
    logger: opts.logger ?? createLogger({ level: opts.manager.logLevel }),
  });
  const artifactServer = deferred<string>();
  let artifactServerUrl: string | undefined;
  if (controllers.includes('source')) {
    await registerSource(manager, opts.source, (url) => {
      artifactServerUrl = url;
      artifactServer.resolve(url);
    });
  } else {
    artifactServer.resolve('');
  }
  const renderer = controllers.includes('kustomize') ? await registerKustomize(manager, opts) : undefined;

  const ready = deferred<undefined>();
  // Runnables start once the caches are synced (in the leader), next to the controllers.
  manager.addRunnable('controllers-ready', async () => {
    await artifactServer.promise;
    manager.log.info('controllers ready', {
      controllers,
      namespace: manager.watchNamespace ?? '*',
      ...(artifactServerUrl === undefined ? {} : { artifacts: artifactServerUrl }),
    });
    ready.resolve(undefined);
  });
  // Nobody may be waiting on `ready` (stop() during start-up); its rejection is not unhandled.
  ready.promise.catch(() => undefined);

  const stopper = new AbortController();
  const onAbort = (): void => {
    stopper.abort();
  };
  if (opts.signal?.aborted === true) stopper.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const done = (async () => {
    try {
      return await manager.run(stopper.signal);
    } catch (err) {
      // A failed part (e.g. a port in use) leaves the others running: stop them too.
      stopper.abort();
      throw err;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      await renderer?.close();
    }
  })();
  done.then(
    (exit) => {
      ready.reject(
        new Error(
          exit.reason === 'leadership-lost'
            ? `leadership lost before the controllers were ready: ${exit.message}`
            : 'the controllers stopped before they were ready',
        ),
      );
    },
    (err: unknown) => {
      ready.reject(err);
    },
  );
  return {
    controllers,
    name,
    manager,
    renderer,
    ready: ready.promise,
    get artifactServerUrl() {
      return artifactServerUrl;
    },
    get endpoints() {
      return manager.endpoints;
    },
    async stop() {
      stopper.abort();
      await done.catch(() => undefined);
    },
    done,
  };
}

async function registerSource(
  manager: Manager,
  source: SourceRunOptions | undefined,
  onArtifactServer: (url: string) => void,
): Promise<void> {
  if (source === undefined)
    throw new Error('the source controller needs its storage options (storagePath, storageAddr)');
  const storageAddr = await resolveListenPort(source.storageAddr);
  await registerSourceController(manager, {
    storagePath: source.storagePath,
    storageAddr,
    storageAdvAddr: source.storageAdvAddr ?? defaultStorageAdvAddr(storageAddr, os.hostname()),
    ...(source.artifactRetentionTtlMs === undefined
      ? {}
      : { artifactRetentionTtlMs: source.artifactRetentionTtlMs }),
    ...(source.artifactRetentionRecords === undefined
      ? {}
      : { artifactRetentionRecords: source.artifactRetentionRecords }),
    ...(source.requeueDependencyMs === undefined ? {} : { requeueDependencyMs: source.requeueDependencyMs }),
    ...(source.noCrossNamespaceRefs === undefined
      ? {}
      : { noCrossNamespaceRefs: source.noCrossNamespaceRefs }),
    onArtifactServer,
  });
}

/** Reads --sops-age-secret, starts the renderer and registers the kustomize controller. */
async function registerKustomize(manager: Manager, opts: StartControllersOptions): Promise<Renderer> {
  const { sopsAgeSecret, ...flags } = opts.kustomize ?? {};
  const globalAgeKeys =
    sopsAgeSecret === undefined || sopsAgeSecret === ''
      ? undefined
      : await readSopsAgeSecret(manager.client, manager.options.runtimeNamespace, sopsAgeSecret).catch(
          (err: unknown) => {
            const message = err instanceof Error ? err.message : String(err);
            if (message.startsWith('--sops-age-secret')) throw err;
            throw new Error(
              `--sops-age-secret: cannot read Secret ${manager.options.runtimeNamespace}/${sopsAgeSecret}: ${message}`,
              { cause: err },
            );
          },
        );
  const renderer = await Renderer.start({
    ...(opts.renderer?.binary === undefined ? { cacheDir: opts.cacheDir } : { binary: opts.renderer.binary }),
    ...(opts.renderer?.processes === undefined ? {} : { processes: opts.renderer.processes }),
    logger: manager.log,
    onBuildProgress: (line) => {
      manager.log.info('building tide-render', { progress: line });
    },
  });
  try {
    await registerKustomizeController(manager, {
      ...flags,
      renderer,
      cacheDir: opts.cacheDir,
      ...(globalAgeKeys === undefined ? {} : { globalAgeKeys }),
    });
  } catch (err) {
    await renderer.close();
    throw err;
  }
  return renderer;
}
