// The Kustomization controller at scale, in the shape of Flux's published benchmark: N apps
// (a Deployment scaled to 0, a ServiceAccount, a Service and an Ingress), one Kustomization
// per app (interval 60m, prune, wait), all from one GitRepository. For each N × --concurrent
// it starts a fresh manager process (bench/kustomize-manager.ts, compiled) and measures:
// creation → all N Ready; the manager's peak RSS and CPU (and its tide-render helpers');
// a no-op reconcile of all N (requestedAt); optionally the fan-out case (one commit in a
// repository feeding N Kustomizations, until the changed object shows the change).
// Usage:
//   npx tsx bench/kustomize-scale.ts --n 100,500,1000 --concurrent 4,10,20 [--fanout 300]
//     [--fanout-concurrent 20] [--kube-api-qps 50] [--kube-api-burst 300] [--wait true]
//     [--timeout 1m] [--helpers 2] [--concurrent-ssa 4] [--no-noop] [--out results.json]
//     [--build-dir dist/bench-ks] (keep the compiled manager there and reuse it)
//     [--node-flags '--max-semi-space-size=4'] (Node options of the manager process)
// Uses $TIDE_TEST_KUBECONFIG when set, otherwise starts a local cluster of its own.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs, promisify } from 'node:util';
import { CRD_DIR } from '../src/api/crd-files.js';
import { KustomizationKind, type Kustomization } from '../src/api/kustomize/kustomization.js';
import type { KubeObject } from '../src/api/object.js';
import { GitRepositoryKind, type GitRepository } from '../src/api/source/gitrepository.js';
import { startGitServer } from '../src/gitserver/index.js';
import type { GitServer, Repo } from '../src/gitserver/types.js';
import { ensureBinary } from '../src/localcluster/binary.js';
import { readState, startLocalCluster } from '../src/localcluster/cluster.js';
import { defaultCacheDir } from '../src/localcluster/defaults.js';
import { Informer } from '../src/runtime/cache/informer.js';
import type { KubeClient } from '../src/runtime/client/client.js';
import { connect } from '../src/runtime/client/connect.js';
import { isNotFound } from '../src/runtime/client/errors.js';
import { CoreResources, resourceFor, type ResourceType } from '../src/runtime/client/resource.js';
import { eventually } from '../src/testenv/eventually.js';
import { newTestEnvironment } from '../src/testenv/env.js';
import { BenchMetric, type BenchManagerConfig, type BenchManagerEvent } from './kustomize-manager.js';

const root = path.resolve(import.meta.dirname, '..');
const Kustomizations = resourceFor(KustomizationKind);
const GitRepositories = resourceFor(GitRepositoryKind);
const Deployments: ResourceType = {
  group: 'apps',
  version: 'v1',
  plural: 'deployments',
  kind: 'Deployment',
  namespaced: true,
};
const SHARD_LABEL = 'sharding.fluxcd.io/key';
const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';
const MiB = 1024; // KiB per MiB

// ---------- options ----------

interface BenchOptions {
  readonly n: readonly number[];
  readonly concurrent: readonly number[];
  readonly fanout: number | undefined;
  readonly fanoutConcurrent: number;
  readonly qps: number;
  readonly burst: number;
  readonly wait: boolean;
  readonly timeout: string;
  readonly helpers: number | undefined;
  readonly concurrentSsa: number | undefined;
  readonly noop: boolean;
  readonly readyTimeoutMs: number;
  readonly out: string | undefined;
  /** Keep the compiled manager here and reuse it when present (same code across invocations). */
  readonly buildDir: string | undefined;
  /** Node options for the manager process (e.g. GC settings), space separated. */
  readonly nodeFlags: readonly string[];
}

function parseOptions(argv: string[]): BenchOptions {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      n: { type: 'string', default: '100' },
      concurrent: { type: 'string', default: '20' },
      fanout: { type: 'string' },
      'fanout-concurrent': { type: 'string' },
      'kube-api-qps': { type: 'string', default: '50' },
      'kube-api-burst': { type: 'string', default: '300' },
      wait: { type: 'string', default: 'true' },
      timeout: { type: 'string', default: '1m' },
      helpers: { type: 'string' },
      'concurrent-ssa': { type: 'string' },
      'no-noop': { type: 'boolean', default: false },
      'ready-timeout-minutes': { type: 'string', default: '30' },
      out: { type: 'string' },
      'build-dir': { type: 'string' },
      'node-flags': { type: 'string', default: '' },
    },
  });
  const ints = (s: string): number[] => s.split(',').map((x) => positive(x));
  const concurrent = ints(v.concurrent);
  return {
    n: ints(v.n),
    concurrent,
    fanout: v.fanout === undefined ? undefined : positive(v.fanout),
    fanoutConcurrent: positive(v['fanout-concurrent'] ?? String(Math.max(...concurrent))),
    qps: positive(v['kube-api-qps']),
    burst: positive(v['kube-api-burst']),
    wait: v.wait !== 'false',
    timeout: v.timeout,
    helpers: v.helpers === undefined ? undefined : positive(v.helpers),
    concurrentSsa: v['concurrent-ssa'] === undefined ? undefined : positive(v['concurrent-ssa']),
    noop: !v['no-noop'],
    readyTimeoutMs: positive(v['ready-timeout-minutes']) * 60_000,
    out: v.out,
    buildDir: v['build-dir'] === undefined ? undefined : path.resolve(v['build-dir']),
    nodeFlags: v['node-flags'].split(' ').filter((f) => f !== ''),
  };
}

function positive(s: string): number {
  const n = Number(s);
  if (!(n > 0)) throw new Error(`"${s}" is not a positive number`);
  return n;
}

// ---------- processes, from /proc ----------

const clockTicks = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcStat {
  readonly ppid: number;
  readonly comm: string;
  /** utime + stime, seconds. */
  readonly cpuS: number;
  /** cutime + cstime: children that exited and were waited for, seconds. */
  readonly childCpuS: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  // Fields after the comm, from field 3 (state): ppid is field 4, utime..cstime 14..17.
  const f = text
    .slice(close + 2)
    .split(' ')
    .map(Number);
  const at = (field: number): number => f[field - 3] ?? 0;
  return {
    ppid: at(4),
    comm,
    cpuS: (at(14) + at(15)) / clockTicks,
    childCpuS: (at(16) + at(17)) / clockTicks,
  };
}

function readMemoryKiB(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { rss: field('VmRSS'), hwm: field('VmHWM') };
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((p) => readStat(p)?.ppid === pid);
}

interface Usage {
  readonly managerCpuS: number;
  /** Exited children of the manager (git): cutime + cstime. */
  readonly gitCpuS: number;
  readonly helpersCpuS: number;
  readonly managerHwmMiB: number;
  readonly managerRssMiB: number;
  /** Sum over helpers of each one's VmHWM (peaks need not coincide). */
  readonly helpersHwmMiB: number;
  /** Peak of the summed VmRSS of the helpers, sampled each second. */
  readonly helpersPeakRssMiB: number;
  readonly helpers: number;
  /** CPU seconds of cluster components (kube-apiserver, etcd, …) when their pids are known. */
  readonly cluster: Readonly<Record<string, number>>;
}

/** Samples the manager and its tide-render helpers; helpers are found as its children. */
class ProcessWatch {
  readonly #helpers = new Map<number, { cpuS: number; hwmKiB: number }>();
  readonly #timer: NodeJS.Timeout;
  #peakHelperRssKiB = 0;

  constructor(
    private readonly pid: number,
    private readonly clusterPids: Readonly<Record<string, number>>,
  ) {
    this.sample();
    this.#timer = setInterval(() => {
      this.sample();
    }, 1000);
  }

  sample(): void {
    let rss = 0;
    for (const child of childrenOf(this.pid)) {
      const stat = readStat(child);
      const mem = readMemoryKiB(child);
      if (stat?.comm !== 'tide-render' || mem === undefined) continue;
      this.#helpers.set(child, { cpuS: stat.cpuS, hwmKiB: mem.hwm });
      rss += mem.rss;
    }
    this.#peakHelperRssKiB = Math.max(this.#peakHelperRssKiB, rss);
  }

  get helperPids(): number[] {
    return [...this.#helpers.keys()];
  }

  usage(): Usage {
    this.sample();
    const stat = readStat(this.pid);
    const mem = readMemoryKiB(this.pid);
    const helpers = [...this.#helpers.values()];
    const cluster: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.clusterPids)) cluster[name] = readStat(pid)?.cpuS ?? 0;
    return {
      managerCpuS: stat?.cpuS ?? 0,
      gitCpuS: stat?.childCpuS ?? 0,
      helpersCpuS: helpers.reduce((s, h) => s + h.cpuS, 0),
      managerHwmMiB: (mem?.hwm ?? 0) / MiB,
      managerRssMiB: (mem?.rss ?? 0) / MiB,
      helpersHwmMiB: helpers.reduce((s, h) => s + h.hwmKiB, 0) / MiB,
      helpersPeakRssMiB: this.#peakHelperRssKiB / MiB,
      helpers: helpers.length,
      cluster,
    };
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

interface CpuDelta {
  readonly wallS: number;
  readonly managerCpuS: number;
  readonly helpersCpuS: number;
  readonly gitCpuS: number;
  readonly cluster: Readonly<Record<string, number>>;
}

function cpuDelta(a: Usage, b: Usage, wallS: number): CpuDelta {
  const cluster: Record<string, number> = {};
  for (const [k, v] of Object.entries(b.cluster)) cluster[k] = v - (a.cluster[k] ?? 0);
  return {
    wallS,
    managerCpuS: b.managerCpuS - a.managerCpuS,
    helpersCpuS: b.helpersCpuS - a.helpersCpuS,
    gitCpuS: b.gitCpuS - a.gitCpuS,
    cluster,
  };
}

// ---------- the manager process ----------

interface ManagerProcess {
  readonly pid: number;
  readonly metricsUrl: string;
  readonly startedInMs: number;
  /** Distinct error messages the manager logged, with counts. */
  readonly errors: Map<string, number>;
  stop(): Promise<number | null>;
}

const liveManagers = new Set<number>();
process.on('exit', () => {
  for (const pid of liveManagers) process.kill(pid, 'SIGKILL');
});

async function startManager(
  script: string,
  config: BenchManagerConfig,
  dir: string,
  nodeFlags: readonly string[],
): Promise<ManagerProcess> {
  const configPath = path.join(dir, 'manager.json');
  await writeFile(configPath, JSON.stringify(config));
  const child = spawn(process.execPath, [...nodeFlags, script, configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid ?? 0;
  liveManagers.add(pid);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      liveManagers.delete(pid);
      resolve(code);
    }),
  );
  const errors = new Map<string, number>();
  createInterface({ input: child.stderr }).on('line', (line) => {
    let key = line.slice(0, 300);
    try {
      const entry = JSON.parse(line) as { msg?: string; error?: string; name?: string };
      key = `${entry.msg ?? ''}${entry.error === undefined ? '' : `: ${entry.error.slice(0, 240)}`}`;
    } catch {
      // Not a log line (e.g. a Node warning); kept as is.
    }
    errors.set(key, (errors.get(key) ?? 0) + 1);
  });
  const first = await new Promise<BenchManagerEvent | { event: 'exit'; code: number | null }>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{')) resolve(JSON.parse(line) as BenchManagerEvent);
    });
    void exited.then((code) => {
      resolve({ event: 'exit', code });
    });
  });
  if (first.event !== 'started') {
    const why =
      first.event === 'failed'
        ? first.message
        : `exited (${String(first.event === 'exit' ? first.code : '')})`;
    throw new Error(
      `the bench manager did not start: ${why}; stderr: ${[...errors.keys()].slice(-5).join(' | ')}`,
    );
  }
  return {
    pid,
    metricsUrl: first.metricsUrl,
    startedInMs: first.startedInMs,
    errors,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Compiles the manager with tsc into dist/ (ignored by git), so it runs without tsx's loader. */
async function buildManager(outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const tsconfig = path.join(outDir, 'tsconfig.json');
  await writeFile(
    tsconfig,
    JSON.stringify({
      extends: path.join(root, 'tsconfig.json'),
      compilerOptions: { noEmit: false, outDir, rootDir: root, sourceMap: false, declaration: false },
      files: [path.join(root, 'bench', 'kustomize-manager.ts')],
      include: [],
    }),
  );
  const script = path.join(outDir, 'bench', 'kustomize-manager.js');
  try {
    await promisify(execFile)(process.execPath, [
      path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      tsconfig,
    ]);
  } catch (err) {
    const out = (err as { stdout?: string }).stdout ?? String(err);
    // tsc still emits on type errors elsewhere in the tree (work in progress); say so and go on.
    if (!existsSync(script)) throw new Error(`compiling the bench manager failed:\n${out}`, { cause: err });
    console.error(
      `warning: tsc reported errors while compiling the bench manager:\n${out.split('\n').slice(0, 10).join('\n')}`,
    );
  }
  return script;
}

// ---------- metrics ----------

type Metrics = Map<string, number>;

async function scrape(url: string): Promise<Metrics> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Metrics = new Map();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m?.[1] !== undefined) out.set(m[1], Number(m[2]));
  }
  return out;
}

/** Sum of the series of `name` whose labels contain every `filter` string. */
function metricSum(metrics: Metrics, name: string, ...filters: string[]): number {
  let sum = 0;
  for (const [key, value] of metrics) {
    if (key !== name && !key.startsWith(`${name}{`)) continue;
    if (filters.every((f) => key.includes(f))) sum += value;
  }
  return sum;
}

interface ApiFigures {
  readonly reconciles: number;
  readonly reconcileErrors: number;
  readonly reconcileMeanS: number;
  readonly requests: number;
  /** Requests by verb and resource, most first. */
  readonly requestsBy: readonly (readonly [string, number])[];
  readonly throttled: number;
  readonly throttleS: number;
}

function apiFigures(a: Metrics, b: Metrics): ApiFigures {
  const d = (name: string, ...filters: string[]): number =>
    metricSum(b, name, ...filters) - metricSum(a, name, ...filters);
  const ks = 'controller="kustomization"';
  const count = d('controller_runtime_reconcile_time_seconds_count', ks);
  const requestsBy: [string, number][] = [];
  for (const [key, value] of b) {
    const m = /^tide_bench_client_requests_total\{verb="([^"]*)",resource="([^"]*)"\}$/.exec(key);
    const delta = value - (a.get(key) ?? 0);
    if (m !== null && delta > 0) requestsBy.push([`${m[1] ?? ''} ${m[2] ?? ''}`, delta]);
  }
  return {
    reconciles: d('controller_runtime_reconcile_total', ks),
    reconcileErrors: d('controller_runtime_reconcile_errors_total', ks),
    reconcileMeanS: count === 0 ? 0 : d('controller_runtime_reconcile_time_seconds_sum', ks) / count,
    requests: d(BenchMetric.requests),
    requestsBy: requestsBy.sort((x, y) => y[1] - x[1]),
    throttled: d(BenchMetric.throttled),
    throttleS: d(BenchMetric.throttleSeconds),
  };
}

// ---------- watching the Kustomizations ----------

type Predicate = (k: Kustomization) => boolean;

interface Waiter {
  readonly pred: Predicate;
  readonly n: number;
  readonly matched: Set<string>;
  readonly resolve: (at: number | undefined) => void;
}

/** An informer on the benchmark's Kustomizations; `until` resolves when n of them match. */
class KustomizationWatch {
  readonly #abort = new AbortController();
  readonly #waiters = new Set<Waiter>();

  private constructor(readonly informer: Informer<Kustomization>) {
    informer.onEvent((event) => {
      const name = event.object.metadata.name;
      for (const w of this.#waiters) {
        if (event.type !== 'delete' && w.pred(event.object)) w.matched.add(name);
        else w.matched.delete(name);
        if (w.matched.size >= w.n) this.#settle(w, performance.now());
      }
    });
  }

  static async start(client: KubeClient, namespace: string): Promise<KustomizationWatch> {
    const watch = new KustomizationWatch(
      new Informer<Kustomization>({ client, resource: Kustomizations, namespace }),
    );
    void watch.informer.run(watch.#abort.signal);
    await watch.informer.waitForSync();
    return watch;
  }

  /** The time (performance.now()) at which n objects matched, or undefined after timeoutMs. */
  until(pred: Predicate, n: number, timeoutMs: number): Promise<number | undefined> {
    return new Promise((resolve) => {
      const matched = new Set(
        this.informer.store
          .list()
          .filter(pred)
          .map((k) => k.metadata.name),
      );
      const w: Waiter = { pred, n, matched, resolve };
      if (matched.size >= n) {
        resolve(performance.now());
        return;
      }
      this.#waiters.add(w);
      setTimeout(() => {
        this.#settle(w, undefined);
      }, timeoutMs).unref();
    });
  }

  /** Why objects do not match: their Ready reason and message, counted. */
  stragglers(pred: Predicate): string[] {
    const counts = new Map<string, number>();
    for (const k of this.informer.store.list()) {
      if (pred(k)) continue;
      const ready = k.status?.conditions?.find((c) => c.type === 'Ready');
      const key = `Ready=${ready?.status ?? 'absent'} ${ready?.reason ?? ''}: ${(ready?.message ?? '').slice(0, 300)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([k, c]) => `${c} × ${k}`);
  }

  #settle(w: Waiter, at: number | undefined): void {
    if (!this.#waiters.delete(w) && at !== undefined) return;
    w.resolve(at);
  }

  stop(): void {
    this.#abort.abort();
  }
}

const readyForGeneration: Predicate = (k) => {
  const ready = k.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'True' && k.status?.observedGeneration === k.metadata.generation;
};

// ---------- the fixture ----------

function appFiles(i: number, change?: string): Record<string, string> {
  const name = `app-${i}`;
  const dir = `apps/${name}`;
  const annotations = change === undefined ? '' : `\n  annotations:\n    bench.tide.dev/change: "${change}"`;
  return {
    [`${dir}/kustomization.yaml`]:
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n' +
      '  - serviceaccount.yaml\n  - deployment.yaml\n  - service.yaml\n  - ingress.yaml\n',
    [`${dir}/serviceaccount.yaml`]: `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name}\n`,
    [`${dir}/deployment.yaml`]: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app: ${name}
    bench.tide.dev/app: "\${APP}"${annotations}
spec:
  replicas: 0
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      serviceAccountName: ${name}
      containers:
        - name: app
          image: ghcr.io/stefanprodan/podinfo:6.5.3
          ports:
            - name: http
              containerPort: 9898
          resources:
            requests:
              cpu: 1m
              memory: 16Mi
`,
    [`${dir}/service.yaml`]: `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector:
    app: ${name}
  ports:
    - name: http
      port: 80
      targetPort: http
`,
    [`${dir}/ingress.yaml`]: `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ${name}
spec:
  rules:
    - host: ${name}.bench.example
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: ${name}
                port:
                  number: 80
`,
  };
}

function kustomizationFor(ns: string, shard: string, i: number, opts: BenchOptions): Kustomization {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: `app-${i}`, namespace: ns, labels: { [SHARD_LABEL]: shard } },
    spec: {
      interval: '60m',
      retryInterval: '2m',
      timeout: opts.timeout,
      prune: true,
      wait: opts.wait,
      path: `./apps/app-${i}`,
      targetNamespace: ns,
      sourceRef: { kind: 'GitRepository', name: 'apps' },
      postBuild: { substitute: { APP: `app-${i}` } },
    },
  };
}

async function inParallel<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

// ---------- one run ----------

interface BenchContext {
  readonly opts: BenchOptions;
  readonly client: KubeClient;
  readonly git: GitServer;
  readonly kubeconfig: string;
  readonly clusterPids: Readonly<Record<string, number>>;
  readonly managerScript: string;
  readonly cacheDir: string;
}

interface FanoutResult {
  readonly app: number;
  readonly artifactS: number | undefined;
  readonly appliedS: number | undefined;
  readonly allAtRevisionS: number | undefined;
}

interface RunResult {
  readonly n: number;
  readonly concurrent: number;
  readonly qps: number;
  readonly burst: number;
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly managerStartMs: number;
  readonly createS: number;
  readonly sourceReadyS: number | undefined;
  readonly allReadyS: number | undefined;
  readonly notReady: readonly string[];
  readonly ready: CpuDelta & ApiFigures;
  readonly noop: (CpuDelta & ApiFigures & { readonly handledS: number | undefined }) | undefined;
  readonly fanout: readonly FanoutResult[];
  readonly memory: Usage;
  /** The manager's V8 heap in use and external (Buffer) memory at the end, from its /metrics. */
  readonly heapMiB: number;
  readonly externalMiB: number;
  readonly managerErrors: readonly string[];
}

interface RunState {
  readonly ctx: BenchContext;
  readonly n: number;
  readonly ns: string;
  readonly repo: Repo;
  readonly manager: ManagerProcess;
  readonly procs: ProcessWatch;
  readonly watch: KustomizationWatch;
}

async function createAll(
  s: RunState,
): Promise<{ createS: number; sourceReadyS: number | undefined; t0: number }> {
  const { client } = s.ctx;
  const shard = s.ns;
  const t0 = performance.now();
  const gitRepository: GitRepository = {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: 'apps', namespace: s.ns, labels: { [SHARD_LABEL]: shard } },
    spec: { url: s.repo.httpsUrl, interval: '60m', ref: { branch: 'main' }, secretRef: { name: 'git-auth' } },
  };
  await client.create(GitRepositories, gitRepository);
  const sourceReady = eventually(
    async () => {
      const repo = await client.get<GitRepository>(GitRepositories, 'apps', s.ns);
      const ready = repo.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status !== 'True')
        throw new Error(`GitRepository Ready=${ready?.status ?? 'absent'}: ${ready?.message ?? ''}`);
      return performance.now();
    },
    { timeoutMs: 10 * 60_000, intervalMs: 100, maxIntervalMs: 250 },
  ).catch((err: unknown) => {
    console.error(`  ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  });
  const indexes = Array.from({ length: s.n }, (_, i) => i);
  await inParallel(indexes, 16, (i) =>
    client.create(Kustomizations, kustomizationFor(s.ns, shard, i, s.ctx.opts)),
  );
  const createS = (performance.now() - t0) / 1000;
  const at = await sourceReady;
  return { createS, sourceReadyS: at === undefined ? undefined : (at - t0) / 1000, t0 };
}

async function measureNoop(s: RunState): Promise<RunResult['noop']> {
  const { client } = s.ctx;
  const token = `bench-${Date.now()}`;
  const metrics0 = await scrape(s.manager.metricsUrl);
  const usage0 = s.procs.usage();
  const t0 = performance.now();
  const handled: Predicate = (k) => k.status?.lastHandledReconcileAt === token && readyForGeneration(k);
  const done = s.watch.until(handled, s.n, 30 * 60_000);
  const names = s.watch.informer.store.list().map((k) => k.metadata.name);
  await inParallel(names, 16, (name) =>
    client.patch(
      Kustomizations,
      { name, namespace: s.ns },
      { metadata: { annotations: { [REQUESTED_AT]: token } } },
    ),
  );
  const at = await done;
  const wallS = ((at ?? performance.now()) - t0) / 1000;
  const delta = cpuDelta(usage0, s.procs.usage(), wallS);
  if (at === undefined) console.error(`  no-op: not all handled: ${s.watch.stragglers(handled).join('; ')}`);
  return {
    ...delta,
    ...apiFigures(metrics0, await scrape(s.manager.metricsUrl)),
    handledS: at === undefined ? undefined : wallS,
  };
}

async function measureFanout(s: RunState): Promise<FanoutResult[]> {
  const { client } = s.ctx;
  const results: FanoutResult[] = [];
  const targets = [...new Set([0, Math.floor(s.n / 2), s.n - 1])];
  for (const [round, app] of targets.entries()) {
    const change = `round-${round}`;
    const sha = await s.repo.commit(appFiles(app, change), { message: `change app-${app}` });
    const t0 = performance.now();
    const revision = `main@sha1:${sha}`;
    const all = s.watch.until(
      (k) => k.status?.lastAppliedRevision === revision && readyForGeneration(k),
      s.n,
      30 * 60_000,
    );
    // Like a webhook receiver: annotate the source so it fetches now.
    await client.patch(
      GitRepositories,
      { name: 'apps', namespace: s.ns },
      { metadata: { annotations: { [REQUESTED_AT]: `${change}-${Date.now()}` } } },
    );
    const poll = { timeoutMs: 30 * 60_000, intervalMs: 50, maxIntervalMs: 100 };
    const [artifact, applied] = await Promise.all([
      eventually(async () => {
        const repo = await client.get<GitRepository>(GitRepositories, 'apps', s.ns);
        if (repo.status?.artifact?.revision !== revision) throw new Error('no new artifact yet');
        return performance.now();
      }, poll).catch(() => undefined),
      eventually(async () => {
        const d = await client.get<KubeObject>(Deployments, `app-${app}`, s.ns);
        if (d.metadata.annotations?.['bench.tide.dev/change'] !== change)
          throw new Error('change not applied yet');
        return performance.now();
      }, poll).catch(() => undefined),
    ]);
    const allAt = await all;
    const since = (at: number | undefined): number | undefined =>
      at === undefined ? undefined : (at - t0) / 1000;
    results.push({ app, artifactS: since(artifact), appliedS: since(applied), allAtRevisionS: since(allAt) });
    console.log(
      `  fan-out app-${app}: artifact ${fmtS(since(artifact))}, change applied ${fmtS(since(applied))}, all ${s.n} at the revision ${fmtS(since(allAt))}`,
    );
  }
  return results;
}

async function prepareRun(
  ctx: BenchContext,
  n: number,
  concurrent: number,
  runDir: string,
): Promise<RunState> {
  const { client } = ctx;
  const ns = `bench-ks-${n}-${concurrent}-${Math.random().toString(16).slice(2, 8)}`;
  await client.create(CoreResources.Namespace, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns },
  });
  const repo = await ctx.git.createRepo(`bench/${ns}`, { defaultBranch: 'main' });
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) Object.assign(files, appFiles(i));
  await repo.commit(files, { message: `${n} apps` });
  await client.create(CoreResources.Secret, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'git-auth', namespace: ns },
    stringData: {
      username: ctx.git.credentials.username,
      password: ctx.git.credentials.password,
      'ca.crt': ctx.git.caCertPem,
    },
  } as KubeObject);
  const storagePath = path.join(runDir, 'storage');
  await mkdir(storagePath);
  const manager = await startManager(
    ctx.managerScript,
    {
      kubeconfig: ctx.kubeconfig,
      concurrent,
      kubeApiQps: ctx.opts.qps,
      kubeApiBurst: ctx.opts.burst,
      watchLabelSelector: `${SHARD_LABEL}=${ns}`,
      storagePath,
      storagePort: await freePort(),
      cacheDir: ctx.cacheDir,
      ...(ctx.opts.helpers === undefined ? {} : { rendererProcesses: ctx.opts.helpers }),
      ...(ctx.opts.concurrentSsa === undefined ? {} : { concurrentSsa: ctx.opts.concurrentSsa }),
    },
    runDir,
    ctx.opts.nodeFlags,
  );
  const procs = new ProcessWatch(manager.pid, ctx.clusterPids);
  const watch = await KustomizationWatch.start(client, ns);
  return { ctx, n, ns, repo, manager, procs, watch };
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Stops the manager, checks its helpers are gone, and removes the run's objects. */
async function finishRun(s: RunState): Promise<void> {
  const t0 = performance.now();
  const helperPids = s.procs.helperPids;
  s.procs.stop();
  await s.manager.stop();
  for (const pid of helperPids) {
    if (existsSync(`/proc/${pid}`) && readStat(pid)?.comm === 'tide-render') {
      console.error(`  warning: tide-render ${pid} outlived the manager; killing it`);
      process.kill(pid, 'SIGKILL');
    }
  }
  s.watch.stop();
  const { client } = s.ctx;
  // Nothing runs the finalizers any more: drop them so the namespace can go.
  for (const res of [Kustomizations, GitRepositories]) {
    const list = await client.list<KubeObject>(res, { namespace: s.ns });
    await inParallel(list.items, 16, (o) =>
      ignoreNotFound(
        client.patch(res, { name: o.metadata.name, namespace: s.ns }, { metadata: { finalizers: null } }),
      ),
    );
  }
  await ignoreNotFound(client.delete(CoreResources.Namespace, { name: s.ns }));
  await eventually(
    async () => {
      try {
        await client.get(CoreResources.Namespace, s.ns);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      throw new Error(`namespace ${s.ns} still terminating`);
    },
    { timeoutMs: 20 * 60_000, intervalMs: 500, maxIntervalMs: 2000 },
  );
  console.log(`  cleaned up in ${fmtS((performance.now() - t0) / 1000)}`);
}

async function runOne(ctx: BenchContext, n: number, concurrent: number, fanout: boolean): Promise<RunResult> {
  const loadBefore = os.loadavg();
  console.log(
    `run: N=${n} --concurrent=${concurrent} qps=${ctx.opts.qps}/${ctx.opts.burst} (load ${loadBefore.map((l) => l.toFixed(2)).join(' ')})`,
  );
  const runDir = await mkdtemp(path.join(os.tmpdir(), 'tide-bench-ks-'));
  let s: RunState | undefined;
  try {
    s = await prepareRun(ctx, n, concurrent, runDir);
    const metrics0 = await scrape(s.manager.metricsUrl);
    const usage0 = s.procs.usage();
    const created = await createAll(s);
    const at = await s.watch.until(readyForGeneration, n, ctx.opts.readyTimeoutMs);
    const allReadyS = at === undefined ? undefined : (at - created.t0) / 1000;
    const notReady = at === undefined ? s.watch.stragglers(readyForGeneration) : [];
    const ready = {
      ...cpuDelta(usage0, s.procs.usage(), ((at ?? performance.now()) - created.t0) / 1000),
      ...apiFigures(metrics0, await scrape(s.manager.metricsUrl)),
    };
    console.log(
      `  all ${n} Ready in ${fmtS(allReadyS)} (source ${fmtS(created.sourceReadyS)}, creates ${fmtS(created.createS)})`,
    );
    for (const line of notReady) console.log(`  not Ready: ${line}`);
    const noop = ctx.opts.noop && at !== undefined ? await measureNoop(s) : undefined;
    if (noop !== undefined)
      console.log(
        `  no-op of ${n}: ${fmtS(noop.handledS)}, manager ${((noop.managerCpuS / n) * 1000).toFixed(1)} ms CPU each`,
      );
    const fanoutResults = fanout && at !== undefined ? await measureFanout(s) : [];
    const end = await scrape(s.manager.metricsUrl);
    return {
      n,
      concurrent,
      qps: ctx.opts.qps,
      burst: ctx.opts.burst,
      loadBefore,
      loadAfter: os.loadavg(),
      managerStartMs: s.manager.startedInMs,
      createS: created.createS,
      sourceReadyS: created.sourceReadyS,
      allReadyS,
      notReady,
      ready,
      noop,
      fanout: fanoutResults,
      memory: s.procs.usage(),
      heapMiB: metricSum(end, 'nodejs_heap_size_used_bytes') / 2 ** 20,
      externalMiB: metricSum(end, 'nodejs_external_memory_bytes') / 2 ** 20,
      managerErrors: [...s.manager.errors]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([m, c]) => `${c} × ${m}`),
    };
  } finally {
    if (s !== undefined) await finishRun(s);
    await rm(runDir, { recursive: true, force: true });
  }
}

// ---------- report ----------

function fmtS(s: number | undefined): string {
  if (s === undefined) return 'not reached';
  return s >= 60 ? `${Math.floor(s / 60)}m${(s % 60).toFixed(1)}s` : `${s.toFixed(1)}s`;
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return ['', line(headers), line(headers.map(() => '---')), ...rows.map(line)];
}

const mib = (x: number): string => `${x.toFixed(0)} MiB`;
const sec = (x: number | undefined): string => (x === undefined ? 'n/a' : `${x.toFixed(1)} s`);

function runLabel(r: RunResult): string[] {
  return [String(r.n), String(r.concurrent), `${r.qps}/${r.burst}`];
}

function apiCells(d: CpuDelta & ApiFigures, per = 1): string[] {
  return [
    `${(d.requests / per).toFixed(per === 1 ? 0 : 1)} (${(d.requests / d.wallS).toFixed(0)}/s)`,
    `${d.throttleS.toFixed(1)} s (${((d.throttleS / d.wallS) * 100).toFixed(0)} %)`,
  ];
}

function requestMix(r: RunResult, phase: string, d: ApiFigures): string {
  const top = d.requestsBy.filter(([, v]) => v / r.n >= 0.05).map(([k, v]) => `${k} ${(v / r.n).toFixed(1)}`);
  return `N=${r.n} --concurrent=${r.concurrent}, ${phase}, requests per Kustomization: ${top.join(', ')}`;
}

function report(results: readonly RunResult[], failures: readonly string[]): string {
  const lines = table(
    [
      'N',
      '--concurrent',
      'QPS/burst',
      'all Ready',
      'Ks/s',
      'source Ready',
      'manager peak RSS (heap, external at end)',
      'helpers: Σ VmHWM (Σ RSS peak)',
      'load 1m before → after',
    ],
    results.map((r) => [
      ...runLabel(r),
      fmtS(r.allReadyS),
      r.allReadyS === undefined ? '—' : (r.n / r.allReadyS).toFixed(1),
      fmtS(r.sourceReadyS),
      `${mib(r.memory.managerHwmMiB)} (${mib(r.heapMiB)}, ${mib(r.externalMiB)})`,
      `${mib(r.memory.helpersHwmMiB)} (${mib(r.memory.helpersPeakRssMiB)}), ${r.memory.helpers} helpers`,
      `${r.loadBefore[0]?.toFixed(1) ?? ''} → ${r.loadAfter[0]?.toFixed(1) ?? ''}`,
    ]),
  );
  lines.push(
    ...table(
      [
        'N',
        '--concurrent',
        'QPS/burst',
        'CPU until Ready: manager',
        'helpers',
        'git',
        'apiserver',
        'etcd',
        'API requests',
        'QPS limiter sleep (of wall)',
        'Ks reconciles (errors), mean',
      ],
      results.map((r) => {
        const d = r.ready;
        return [
          ...runLabel(r),
          sec(d.managerCpuS),
          sec(d.helpersCpuS),
          sec(d.gitCpuS),
          sec(d.cluster['kube-apiserver']),
          sec(d.cluster['etcd']),
          ...apiCells(d),
          `${d.reconciles} (${d.reconcileErrors}), ${d.reconcileMeanS.toFixed(2)} s`,
        ];
      }),
    ),
  );
  const ms = (x: number | undefined, n: number): string =>
    x === undefined ? 'n/a' : `${((x / n) * 1000).toFixed(1)} ms`;
  lines.push(
    ...table(
      [
        'N',
        '--concurrent',
        'QPS/burst',
        'no-op of all N',
        'CPU per Ks: manager',
        'helpers',
        'apiserver',
        'etcd',
        'API requests per Ks',
        'QPS limiter sleep (of wall)',
      ],
      results.flatMap((r) => {
        const d = r.noop;
        if (d === undefined) return [];
        return [
          [
            ...runLabel(r),
            fmtS(d.handledS),
            ms(d.managerCpuS, r.n),
            ms(d.helpersCpuS, r.n),
            ms(d.cluster['kube-apiserver'], r.n),
            ms(d.cluster['etcd'], r.n),
            ...apiCells(d, r.n),
          ],
        ];
      }),
    ),
  );
  for (const r of results.filter((x) => x.fanout.length > 0)) {
    lines.push(
      '',
      `Fan-out: ${r.n} Kustomizations on one GitRepository, --concurrent=${r.concurrent}, from the commit:`,
      ...table(
        ['changed app', 'new artifact', 'change in the cluster', `all ${r.n} at the new revision`],
        r.fanout.map((f) => [`app-${f.app}`, fmtS(f.artifactS), fmtS(f.appliedS), fmtS(f.allAtRevisionS)]),
      ),
    );
  }
  lines.push('');
  for (const r of results) {
    lines.push(requestMix(r, 'until Ready', r.ready));
    if (r.noop !== undefined) lines.push(requestMix(r, 'no-op', r.noop));
  }
  for (const r of results) {
    for (const line of r.notReady) lines.push(`N=${r.n} --concurrent=${r.concurrent} not Ready: ${line}`);
    for (const line of r.managerErrors)
      lines.push(`N=${r.n} --concurrent=${r.concurrent} manager log: ${line}`);
  }
  for (const f of failures) lines.push(`failed: ${f}`);
  return lines.join('\n');
}

// ---------- main ----------

async function clusterPidsOf(
  kubeconfig: string,
  own: Readonly<Record<string, { pid: number }>> | undefined,
): Promise<Record<string, number>> {
  const components = own ?? (await readState(path.dirname(kubeconfig)))?.components ?? {};
  const pids: Record<string, number> = {};
  for (const name of ['kube-apiserver', 'etcd', 'kube-controller-manager']) {
    const c = components[name];
    if (c !== undefined) pids[name] = c.pid;
  }
  return pids;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const cacheDir = defaultCacheDir(process.env);
  const cleanups: (() => Promise<unknown>)[] = [];
  const results: RunResult[] = [];
  const failures: string[] = [];
  try {
    let managerScript: string;
    if (opts.buildDir === undefined) {
      const outDir = path.join(root, 'dist', `bench-kustomize-${process.pid}`);
      cleanups.unshift(() => rm(outDir, { recursive: true, force: true }));
      managerScript = await buildManager(outDir);
    } else {
      const built = path.join(opts.buildDir, 'bench', 'kustomize-manager.js');
      managerScript = existsSync(built) ? built : await buildManager(opts.buildDir);
    }
    let kubeconfig = process.env['TIDE_TEST_KUBECONFIG'];
    let own: Record<string, { pid: number }> | undefined;
    if (kubeconfig === undefined || kubeconfig === '') {
      const binary = await ensureBinary({ cacheDir });
      const cluster = await startLocalCluster({ binary: binary.path });
      cleanups.unshift(() => cluster.stop());
      kubeconfig = cluster.kubeconfig;
      own = cluster.components;
      console.log(`local cluster ready in ${cluster.startedInSeconds.toFixed(1)}s`);
    }
    const env = newTestEnvironment(kubeconfig);
    await env.installCRDs(path.join(root, CRD_DIR));
    const git = await startGitServer();
    cleanups.unshift(() => git.close());
    const client = await connect(env.kc, { qps: 1000, burst: 1000, userAgent: 'tide-bench' });
    const ctx: BenchContext = {
      opts,
      client,
      git,
      kubeconfig,
      clusterPids: await clusterPidsOf(kubeconfig, own),
      managerScript,
      cacheDir,
    };
    const runs: [number, number, boolean][] = opts.n.flatMap((n) =>
      opts.concurrent.map((c): [number, number, boolean] => [n, c, false]),
    );
    if (opts.fanout !== undefined) runs.push([opts.fanout, opts.fanoutConcurrent, true]);
    for (const [n, c, fanout] of runs) {
      try {
        results.push(await runOne(ctx, n, c, fanout));
      } catch (err) {
        console.error(`run N=${n} --concurrent=${c} failed:`, err);
        failures.push(`N=${n} --concurrent=${c}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  } finally {
    for (const cleanup of cleanups)
      await cleanup().catch((err: unknown) => {
        console.error('cleanup:', err);
      });
  }
  console.log(
    `\nmachine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}\n`,
  );
  console.log(report(results, failures));
  if (opts.out !== undefined) await writeFile(opts.out, JSON.stringify(results, null, 2));
}

await main();
process.exit(0);
