// The manager of the Kustomization scale benchmark, as a process of its own so that its
// memory and CPU can be read from /proc without the benchmark driver's. One manager runs
// the source controller and the kustomize controller (Flux runs them as two processes).
// Run from compiled JavaScript (tsx's loader alone holds ~180 MiB):
//   node <outDir>/bench/kustomize-manager.js <config.json>
// Prints one JSON line {"event":"started",...} once the caches are synced, and
// {"event":"stopped"} after SIGTERM has drained the controllers.
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { Counter } from 'prom-client';
import { registerKustomizeController } from '../src/controllers/kustomize/kustomize-controller.js';
import { registerSourceController } from '../src/controllers/source/source-controller.js';
import type { KubeObject } from '../src/api/object.js';
import { KubeClient, type RequestOptions, type WatchOptions } from '../src/runtime/client/client.js';
import { loadKubeConfigFromFile } from '../src/runtime/client/kubeconfig.js';
import { TokenBucket } from '../src/runtime/client/rate-limiter.js';
import type { ResourceType } from '../src/runtime/client/resource.js';
import type { WatchEvent } from '../src/runtime/client/watch.js';
import { createLogger } from '../src/runtime/log/logger.js';
import { Manager } from '../src/runtime/manager/manager.js';
import type { ManagerOptions } from '../src/runtime/manager/options.js';
import { Renderer } from '../src/render/renderer.js';

export interface BenchManagerConfig {
  readonly kubeconfig: string;
  /** --concurrent, for both controllers. */
  readonly concurrent: number;
  readonly kubeApiQps: number;
  readonly kubeApiBurst: number;
  /** --watch-label-selector, so the manager reconciles only the benchmark's objects. */
  readonly watchLabelSelector: string;
  readonly storagePath: string;
  readonly storagePort: number;
  /** Where tide-render is built and cached. */
  readonly cacheDir: string;
  /** tide-render helper processes; the renderer's default (cores, at most 4) when absent. */
  readonly rendererProcesses?: number;
  /** --concurrent-ssa. */
  readonly concurrentSsa?: number;
}

/** Names of the counters this process adds to the manager's /metrics. */
export const BenchMetric = {
  requests: 'tide_bench_client_requests_total',
  throttled: 'tide_bench_client_throttled_requests_total',
  throttleSeconds: 'tide_bench_client_throttle_seconds_total',
} as const;

export type BenchManagerEvent =
  | {
      readonly event: 'started';
      readonly pid: number;
      readonly metricsUrl: string;
      readonly rendererPids: readonly number[];
      readonly startedInMs: number;
    }
  | { readonly event: 'stopped' }
  | { readonly event: 'failed'; readonly message: string };

function emit(event: BenchManagerEvent): void {
  process.stdout.write(JSON.stringify(event) + '\n');
}

/**
 * Counts the client's requests by verb and resource, and the sleeps the QPS limiter
 * imposed: the limiter serves callers in order, so its summed sleep is the time it held
 * every request back, which says whether `--kube-api-qps` is the bottleneck.
 */
function instrumentClient(manager: Manager): void {
  const requests = new Counter({
    name: BenchMetric.requests,
    help: 'Kubernetes API requests (watches included).',
    labelNames: ['verb', 'resource'] as const,
    registers: [manager.metrics.registry],
  });
  const throttled = new Counter({
    name: BenchMetric.throttled,
    help: 'Times the QPS limiter made a request sleep.',
    registers: [manager.metrics.registry],
  });
  const throttleSeconds = new Counter({
    name: BenchMetric.throttleSeconds,
    help: 'Seconds the QPS limiter slept, summed.',
    registers: [manager.metrics.registry],
  });
  /* eslint-disable @typescript-eslint/unbound-method */
  const request = KubeClient.prototype.request;
  const watch = KubeClient.prototype.watch;
  const delay = TokenBucket.prototype.delay;
  /* eslint-enable @typescript-eslint/unbound-method */
  KubeClient.prototype.request = function (this: KubeClient, opts: RequestOptions): Promise<unknown> {
    requests.inc(classify(opts));
    return request.call(this, opts);
  };
  KubeClient.prototype.watch = function <T extends KubeObject>(
    this: KubeClient,
    res: ResourceType,
    opts: WatchOptions,
  ): Promise<AsyncIterable<WatchEvent<T>>> {
    requests.inc({ verb: 'watch', resource: res.plural });
    return watch.call(this, res, opts) as Promise<AsyncIterable<WatchEvent<T>>>;
  };
  TokenBucket.prototype.delay = function (this: TokenBucket): number {
    const ms = delay.call(this);
    if (ms > 0) {
      throttled.inc();
      throttleSeconds.inc(ms / 1000);
    }
    return ms;
  };
}

/** `get deployments`, `apply dry-run kustomizations/status`, `list events`, … */
export function classify(opts: RequestOptions): { verb: string; resource: string } {
  const segments =
    opts.path
      .split('?')[0]
      ?.split('/')
      .filter((x) => x !== '') ?? [];
  let rest = segments[0] === 'api' ? segments.slice(2) : segments[0] === 'apis' ? segments.slice(3) : [];
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const [plural = 'discovery', name, subresource] = rest;
  const method = opts.method ?? 'GET';
  const apply = opts.contentType === 'application/apply-patch+yaml';
  let verb = { GET: name === undefined ? 'list' : 'get', POST: 'create', PUT: 'update', DELETE: 'delete' }[
    method
  ];
  verb ??= apply ? 'apply' : method.toLowerCase();
  if (opts.query?.['dryRun'] !== undefined) verb += ' dry-run';
  return { verb, resource: subresource === undefined ? plural : `${plural}/${subresource}` };
}

function managerOptions(config: BenchManagerConfig): ManagerOptions {
  return {
    metricsAddr: '127.0.0.1:0',
    healthAddr: '127.0.0.1:0',
    concurrent: config.concurrent,
    kubeApiQps: config.kubeApiQps,
    kubeApiBurst: config.kubeApiBurst,
    watchAllNamespaces: true,
    runtimeNamespace: 'default',
    watchLabelSelector: config.watchLabelSelector,
    leaderElection: {
      enabled: false,
      leaseDurationMs: 35_000,
      renewDeadlineMs: 30_000,
      retryPeriodMs: 5_000,
      releaseOnCancel: true,
    },
    minRetryDelayMs: 750,
    maxRetryDelayMs: 900_000,
    intervalJitterPercentage: 5,
    gracefulShutdownTimeoutMs: 10_000,
    eventsAddr: undefined,
    logLevel: 'error',
    kubeconfig: config.kubeconfig,
  };
}

async function waitUntilReady(manager: Manager, signal: AbortSignal): Promise<string> {
  for (;;) {
    signal.throwIfAborted();
    const endpoints = manager.endpoints;
    if (endpoints !== undefined) {
      const res = await fetch(`${endpoints.healthUrl}/readyz`).catch(() => undefined);
      if (res?.status === 200) return endpoints.metricsUrl;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function main(configPath: string): Promise<void> {
  const begin = performance.now();
  const config = JSON.parse(await readFile(configPath, 'utf8')) as BenchManagerConfig;
  const kubeConfig = loadKubeConfigFromFile(config.kubeconfig);
  const options = managerOptions(config);
  const manager = await Manager.create({
    name: 'tide-bench',
    kubeConfig,
    options,
    logger: createLogger({ level: options.logLevel }),
  });
  instrumentClient(manager);
  const renderer = await Renderer.start({
    cacheDir: config.cacheDir,
    logger: manager.log,
    ...(config.rendererProcesses === undefined ? {} : { processes: config.rendererProcesses }),
  });
  await registerSourceController(manager, {
    storagePath: config.storagePath,
    storageAddr: `127.0.0.1:${config.storagePort}`,
    storageAdvAddr: `127.0.0.1:${config.storagePort}`,
  });
  await registerKustomizeController(manager, {
    renderer,
    cacheDir: config.cacheDir,
    ...(config.concurrentSsa === undefined ? {} : { concurrentSsa: config.concurrentSsa }),
  });

  const stop = new AbortController();
  process.once('SIGTERM', () => {
    stop.abort();
  });
  process.once('SIGINT', () => {
    stop.abort();
  });
  const running = manager.run(stop.signal);
  const metricsUrl = await Promise.race([
    waitUntilReady(manager, stop.signal),
    running.then(() => {
      throw new Error('the manager stopped before its caches synced');
    }),
  ]);
  emit({
    event: 'started',
    pid: process.pid,
    metricsUrl,
    rendererPids: renderer.pids,
    startedInMs: Math.round(performance.now() - begin),
  });
  await running;
  await renderer.close();
  emit({ event: 'stopped' });
}

// Only as a program: the benchmark driver imports this module for its types and metric names.
const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  const configPath = process.argv[2];
  if (configPath === undefined) {
    process.stderr.write('usage: node kustomize-manager.js <config.json>\n');
    process.exit(2);
  }
  main(configPath).then(
    () => process.exit(0),
    (err: unknown) => {
      emit({ event: 'failed', message: err instanceof Error ? err.message : String(err) });
      process.exit(1);
    },
  );
}
