// How should Tide host the upstream Kustomize and Helm Go engines: as
// WebAssembly inside Node, or as a native helper process? This measures both
// with the same Go code (renderer/wasmprobe) on the same fixtures
// (bench/fixtures/render) and checks that their outputs are identical.
// Figures and the decision: docs/adr/0005-rendering-engine-host.md.
//
// Usage: npx tsx bench/render-hosting.ts [iterations=30] [rounds=10] [node flags for the wasm host...]
//   iterations: warm renders per case and host (after 3 warm-ups)
//   rounds: rounds of 4 concurrent renders per case and host
//   node flags: e.g. --no-liftoff (optimize all wasm code before the first call)
//
// The wasm hosts run in a plain `node` child process (no tsx loader), so the
// memory figures are those of a Node process with the wasm instance(s) only.
import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ensureUpstreamTools } from '../src/render/binary.js';
import { defaultCacheDir } from '../src/localcluster/defaults.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.dirname(here);
const moduleDir = path.join(repo, 'renderer');
const fixtures = path.join(here, 'fixtures', 'render');
const iterations = Number(process.argv[2] ?? 30);
const rounds = Number(process.argv[3] ?? 10);
const wasmNodeFlags = process.argv.slice(4);
const warmups = 3;

interface Case {
  readonly name: string;
  readonly op: 'kustomize.build' | 'helm.render';
  readonly params: Record<string, unknown>;
  /** The upstream command line that renders the same thing (tools from ensureUpstreamTools). */
  readonly upstream: (tools: { kustomize: string; helm: string }) => readonly string[];
}

const chartValues = {
  image: { registry: 'mirror.example.com' },
  api: { replicas: 3, env: { FEATURE_SEARCH: 'v3' } },
};
const cases: readonly Case[] = [
  {
    name: 'kustomize-20',
    op: 'kustomize.build',
    params: { dir: path.join(fixtures, 'kustomize-20') },
    upstream: (t) => [t.kustomize, 'build', path.join(fixtures, 'kustomize-20')],
  },
  {
    name: 'kustomize-200',
    op: 'kustomize.build',
    params: { dir: path.join(fixtures, 'kustomize-200/overlays/prod') },
    upstream: (t) => [t.kustomize, 'build', path.join(fixtures, 'kustomize-200/overlays/prod')],
  },
  {
    name: 'chart-webshop',
    op: 'helm.render',
    params: {
      chart: path.join(fixtures, 'chart-webshop'),
      releaseName: 'shop',
      namespace: 'shop',
      values: chartValues,
    },
    upstream: (t) => [
      t.helm,
      'template',
      'shop',
      path.join(fixtures, 'chart-webshop'),
      '--namespace',
      'shop',
      '--set-json',
      `image=${JSON.stringify(chartValues.image)}`,
      '--set-json',
      `api=${JSON.stringify(chartValues.api)}`,
    ],
  },
];

// ---------------------------------------------------------------- building

interface Probe {
  readonly wasm: string;
  readonly native: string;
  readonly hostScript: string;
  readonly wasmExec: string;
}

const buildFlags = ['-trimpath', '-ldflags=-s -w'];

async function capture(
  cmd: string,
  args: readonly string[],
  env?: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${String(code)}:\n${err.slice(-4000)}`));
    });
  });
}

/** Builds the probe for js/wasm and for this machine, cached by a hash of its sources. */
async function ensureProbe(): Promise<Probe> {
  const goEnv = (await capture('go', ['env', 'GOVERSION', 'GOROOT'])).trim().split('\n');
  const [goVersion = '', goRoot = ''] = goEnv;
  const h = createHash('sha256').update(`${goVersion} ${buildFlags.join(' ')}\n`);
  const probeDir = path.join(moduleDir, 'wasmprobe');
  for (const f of [
    ...(await readdir(probeDir)).filter((n) => n.endsWith('.go')).sort(),
    '../go.mod',
    '../go.sum',
  ]) {
    h.update(`${f}\n`).update(await readFile(path.join(probeDir, f)));
  }
  const dir = path.join(os.tmpdir(), 'tide-wasmprobe', h.digest('hex').slice(0, 20));
  const probe: Probe = {
    wasm: path.join(dir, 'probe.wasm'),
    native: path.join(dir, 'probe-native'),
    hostScript: path.join(dir, 'wasm-host.cjs'),
    wasmExec: path.join(goRoot, 'lib', 'wasm', 'wasm_exec.js'),
  };
  for (const [file, goos, goarch] of [
    [probe.native, os.platform(), process.arch === 'x64' ? 'amd64' : process.arch],
    [probe.wasm, 'js', 'wasm'],
  ] as const) {
    if (existsSync(file)) continue;
    await mkdir(dir, { recursive: true });
    const t0 = performance.now();
    console.log(
      `building ${path.basename(file)} (GOOS=${goos} GOARCH=${goarch}); a first build takes minutes`,
    );
    const tmp = `${file}.${process.pid}.tmp`;
    await capture(
      'go',
      ['build', ...buildFlags, '-o', tmp, './wasmprobe'],
      { ...process.env, GOOS: goos, GOARCH: goarch },
      moduleDir,
    );
    await rename(tmp, file);
    console.log(`  built in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  await writeFile(probe.hostScript, wasmHostSource);
  return probe;
}

// ------------------------------------------------- the wasm host (plain JS)

// Runs in a plain `node` process: either one Go wasm instance on the main
// thread, or N worker threads with one instance each. Talks to this script
// over the IPC channel.
const wasmHostSource = String.raw`'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const { performance, monitorEventLoopDelay } = require('node:perf_hooks');

function loadGoRuntime(wasmExec) {
  globalThis.require = require;
  globalThis.fs = fs;
  globalThis.path = path;
  globalThis.crypto ??= crypto.webcrypto;
  require(wasmExec);
}

async function startInstance(module) {
  const go = new globalThis.Go();
  go.argv = ['wasmprobe'];
  go.env = { TMPDIR: os.tmpdir(), HOME: os.tmpdir() };
  go.exit = (code) => { if (code !== 0) console.error('wasmprobe exited with ' + code); };
  const instance = await WebAssembly.instantiate(module, go.importObject);
  void go.run(instance);
  const probe = globalThis.tideProbe;
  if (typeof probe !== 'function') throw new Error('the wasm module did not register tideProbe');
  return { probe, memory: instance.exports.mem };
}

async function render(probe, msg) {
  const t0 = performance.now();
  try {
    const output = await probe(msg.op, JSON.stringify(msg.params));
    const ms = performance.now() - t0;
    const sha = crypto.createHash('sha256').update(output).digest('hex');
    return { id: msg.id, ms, sha, bytes: output.length, output: msg.wantOutput ? output : undefined };
  } catch (err) {
    return { id: msg.id, ms: performance.now() - t0, error: String(err && err.message || err) };
  }
}

function procStatus() {
  const s = fs.readFileSync('/proc/self/status', 'utf8');
  const kb = (k) => Number((new RegExp('^' + k + ':\\s+(\\d+) kB$', 'm').exec(s) || [])[1] || 0);
  return { vmRSS: kb('VmRSS') * 1024, vmHWM: kb('VmHWM') * 1024 };
}

if (!isMainThread) {
  loadGoRuntime(workerData.wasmExec);
  const t0 = performance.now();
  startInstance(workerData.module).then(({ probe, memory }) => {
    parentPort.postMessage({ ready: true, initMs: performance.now() - t0 });
    parentPort.on('message', async (msg) => {
      if (msg.mem) { parentPort.postMessage({ mem: memory.buffer.byteLength }); return; }
      parentPort.postMessage(await render(probe, msg));
    });
  }, (err) => { parentPort.postMessage({ ready: false, error: String(err) }); });
} else {
  let state;
  let lag;
  const queue = [];
  const send = (m) => process.send(m);
  const memory = async () => {
    const usage = process.memoryUsage();
    let wasm = 0;
    if (state.mode === 'main') wasm = state.memory.buffer.byteLength;
    else {
      const sizes = await Promise.all(state.workers.map((w) => new Promise((resolve) => {
        w.worker.once('message', (m) => resolve(m.mem));
        w.worker.postMessage({ mem: true });
      })));
      wasm = sizes.reduce((a, b) => a + b, 0);
    }
    return { ...usage, ...procStatus(), wasm };
  };
  const dispatch = () => {
    while (queue.length > 0) {
      const free = state.workers.find((w) => !w.busy);
      if (!free) return;
      const msg = queue.shift();
      free.busy = true;
      free.worker.once('message', (res) => { free.busy = false; send(res); dispatch(); });
      free.worker.postMessage(msg);
    }
  };
  process.on('message', async (msg) => {
    try {
      if (msg.cmd === 'init') {
        const before = { ...process.memoryUsage(), ...procStatus() };
        const bytes = fs.readFileSync(msg.wasm);
        const t0 = performance.now();
        const module = await WebAssembly.compile(bytes);
        const compileMs = performance.now() - t0;
        loadGoRuntime(msg.wasmExec);
        const t1 = performance.now();
        if (msg.workers === 0) {
          state = { mode: 'main', ...(await startInstance(module)) };
        } else {
          const workers = [];
          const inits = [];
          for (let i = 0; i < msg.workers; i++) {
            const worker = new Worker(__filename, { workerData: { module, wasmExec: msg.wasmExec } });
            workers.push({ worker, busy: false });
            inits.push(new Promise((resolve, reject) => {
              worker.once('message', (m) => m.ready ? resolve(m.initMs) : reject(new Error(m.error)));
              worker.once('error', reject);
            }));
          }
          const initMs = await Promise.all(inits);
          state = { mode: 'workers', workers, workerInitMs: initMs };
        }
        const initMs = performance.now() - t1;
        send({ id: msg.id, compileMs, initMs, workerInitMs: state.workerInitMs, before, after: await memory() });
      } else if (msg.cmd === 'render') {
        if (state.mode === 'main') send(await render(state.probe, msg));
        else { queue.push(msg); dispatch(); }
      } else if (msg.cmd === 'lag') {
        if (msg.on) { lag = monitorEventLoopDelay({ resolution: 1 }); lag.enable(); send({ id: msg.id }); }
        else {
          lag.disable();
          send({ id: msg.id, maxMs: lag.max / 1e6, p50Ms: lag.percentile(50) / 1e6, p99Ms: lag.percentile(99) / 1e6, meanMs: lag.mean / 1e6 });
        }
      } else if (msg.cmd === 'mem') {
        send({ id: msg.id, ...(await memory()) });
      } else if (msg.cmd === 'exit') {
        process.exit(0);
      }
    } catch (err) {
      send({ id: msg.id, error: String(err && err.stack || err) });
    }
  });
  send({ hello: true });
}
`;

// ------------------------------------------------------------- the hosts

interface RenderReply {
  readonly id: number;
  readonly ms: number;
  readonly sha?: string;
  readonly bytes?: number;
  readonly output?: string;
  readonly error?: string;
}

interface Memory {
  readonly vmRSS: number;
  readonly vmHWM: number;
  readonly heapUsed?: number;
  readonly external?: number;
  readonly wasm?: number;
}

interface Host {
  readonly label: string;
  render(c: Case, wantOutput?: boolean): Promise<RenderReply>;
  memory(): Promise<Memory>;
  close(): Promise<void>;
}

interface InitReply {
  readonly compileMs: number;
  readonly initMs: number;
  readonly workerInitMs?: readonly number[];
  readonly before: Memory;
  readonly after: Memory;
}

/** A plain node process holding the wasm instance(s); requests go over IPC. */
class WasmHost implements Host {
  private nextId = 1;
  private readonly waiting = new Map<number, (m: Record<string, unknown>) => void>();
  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (m: Record<string, unknown>) => {
      const id = typeof m.id === 'number' ? m.id : 0;
      const resolve = this.waiting.get(id);
      if (resolve === undefined) return;
      this.waiting.delete(id);
      resolve(m);
    });
  }

  static async start(
    probe: Probe,
    workers: number,
  ): Promise<{ host: WasmHost; init: InitReply; spawnMs: number }> {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...wasmNodeFlags, probe.hostScript], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => {
        resolve();
      });
      child.once('error', reject);
    });
    const spawnMs = performance.now() - t0;
    const host = new WasmHost(workers === 0 ? 'wasm, main thread' : `wasm, ${workers} workers`, child);
    const init = (await host.send({
      cmd: 'init',
      wasm: probe.wasm,
      wasmExec: probe.wasmExec,
      workers,
    })) as unknown as InitReply | { error: string };
    if ('error' in init) throw new Error(`the wasm host failed to start: ${init.error}`);
    return { host, init, spawnMs };
  }

  send(msg: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.send({ ...msg, id });
    });
  }

  async render(c: Case, wantOutput = false): Promise<RenderReply> {
    return (await this.send({
      cmd: 'render',
      op: c.op,
      params: c.params,
      wantOutput,
    })) as unknown as RenderReply;
  }

  async lag(on: boolean): Promise<LagFigures> {
    return (await this.send({ cmd: 'lag', on })) as unknown as LagFigures;
  }

  async memory(): Promise<Memory> {
    return (await this.send({ cmd: 'mem' })) as unknown as Memory;
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ cmd: 'exit', id: 0 });
    await exited;
  }
}

/** One or more long-lived native probe processes fed JSON lines; requests go to the least busy. */
class NativeHost implements Host {
  private readonly procs: {
    child: ChildProcessByStdio<Writable, Readable, null>;
    pending: Map<number, { t0: number; resolve: (r: RenderReply) => void; wantOutput: boolean }>;
  }[] = [];
  private nextId = 1;

  constructor(
    readonly label: string,
    binary: string,
    count: number,
  ) {
    for (let i = 0; i < count; i++) {
      const child = spawn(binary, [], {
        stdio: ['pipe', 'pipe', 'inherit'],
        env: { PATH: process.env.PATH, HOME: os.tmpdir() },
      });
      this.procs.push({ child, pending: new Map() });
    }
  }

  /** Resolves when every process said ready; returns the time from spawn. */
  async ready(): Promise<number> {
    const t0 = performance.now();
    await Promise.all(
      this.procs.map(
        (p) =>
          new Promise<void>((resolve, reject) => {
            const lines = createInterface({ input: p.child.stdout });
            let first = true;
            lines.on('line', (line) => {
              const now = performance.now();
              const msg = JSON.parse(line) as { id: number; output?: string; error?: string };
              if (first) {
                first = false;
                resolve();
                return;
              }
              const pending = p.pending.get(msg.id);
              if (pending === undefined) return;
              p.pending.delete(msg.id);
              const output = msg.output ?? '';
              pending.resolve({
                id: msg.id,
                ms: now - pending.t0,
                error: msg.error,
                sha: createHash('sha256').update(output).digest('hex'),
                bytes: output.length,
                output: pending.wantOutput ? output : undefined,
              });
            });
            p.child.once('error', reject);
          }),
      ),
    );
    return performance.now() - t0;
  }

  render(c: Case, wantOutput = false): Promise<RenderReply> {
    const p = this.procs.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    return new Promise((resolve) => {
      p.pending.set(id, { t0: performance.now(), resolve, wantOutput });
      p.child.stdin.write(JSON.stringify({ id, op: c.op, params: c.params }) + '\n');
    });
  }

  async memory(): Promise<Memory> {
    const all = await Promise.all(this.procs.map((p) => procStatus(p.child.pid ?? 0)));
    return { vmRSS: sum(all.map((m) => m.vmRSS)), vmHWM: sum(all.map((m) => m.vmHWM)) };
  }

  async close(): Promise<void> {
    await Promise.all(
      this.procs.map((p) => {
        const exited = new Promise((resolve) => p.child.once('exit', resolve));
        p.child.stdin.end();
        return exited;
      }),
    );
  }
}

async function procStatus(pid: number): Promise<{ vmRSS: number; vmHWM: number }> {
  const s = await readFile(`/proc/${String(pid)}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB$`, 'm').exec(s)?.[1] ?? 0) * 1024;
  return { vmRSS: kb('VmRSS'), vmHWM: kb('VmHWM') };
}

// ------------------------------------------------------------- figures

interface LagFigures {
  readonly maxMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const mib = (x: number | undefined): string => ((x ?? 0) / 2 ** 20).toFixed(0);

function check(reply: RenderReply, where: string): RenderReply {
  if (reply.error !== undefined) throw new Error(`${where}: ${reply.error}`);
  return reply;
}

interface SequentialResult {
  readonly cold: number;
  readonly warm: readonly number[];
  readonly shas: Set<string>;
  readonly output: string;
  readonly lag?: LagFigures;
  readonly memory: Memory;
}

/** First render (cold), 3 warm-ups, then `iterations` timed renders one at a time. */
async function sequential(
  host: Host,
  c: Case,
  lagOf: (on: boolean) => Promise<LagFigures | undefined>,
): Promise<SequentialResult> {
  const first = check(await host.render(c, true), `${host.label} ${c.name}`);
  const shas = new Set([first.sha ?? '']);
  for (let i = 0; i < warmups; i++) shas.add(check(await host.render(c), host.label).sha ?? '');
  await lagOf(true);
  const warm: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const r = check(await host.render(c), host.label);
    warm.push(r.ms);
    shas.add(r.sha ?? '');
  }
  const lag = await lagOf(false);
  return { cold: first.ms, warm, shas, output: first.output ?? '', lag, memory: await host.memory() };
}

interface ConcurrentResult {
  readonly latencies: readonly number[];
  readonly wallMs: number;
  readonly shas: Set<string>;
  readonly memory: Memory;
}

/** Warms every worker/process, then `rounds` rounds of 4 renders at once. */
async function concurrent(host: Host, c: Case): Promise<ConcurrentResult> {
  const shas = new Set<string>();
  for (let i = 0; i < 2; i++) {
    for (const r of await Promise.all([0, 1, 2, 3].map(() => host.render(c))))
      shas.add(check(r, host.label).sha ?? '');
  }
  const latencies: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    for (const r of await Promise.all([0, 1, 2, 3].map(() => host.render(c)))) {
      latencies.push(check(r, host.label).ms);
      shas.add(r.sha ?? '');
    }
  }
  return { latencies, wallMs: performance.now() - t0, shas, memory: await host.memory() };
}

/** Event-loop delay of this (the orchestrating) process, for the native host. */
function localLag(): (on: boolean) => Promise<LagFigures | undefined> {
  let h: ReturnType<typeof monitorEventLoopDelay> | undefined;
  return (on) => {
    if (on) {
      h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
      return Promise.resolve(undefined);
    }
    if (h === undefined) return Promise.resolve(undefined);
    h.disable();
    return Promise.resolve({
      maxMs: h.max / 1e6,
      p50Ms: h.percentile(50) / 1e6,
      p99Ms: h.percentile(99) / 1e6,
      meanMs: h.mean / 1e6,
    });
  };
}

// ------------------------------------------------------------- the run

interface Row {
  readonly host: string;
  readonly caseName: string;
  readonly start: string;
  readonly cold: number;
  readonly p50: number;
  readonly p95: number;
  readonly rss: string;
  readonly lag: string;
}

function lagText(l: LagFigures | undefined): string {
  return l === undefined ? '' : `max ${ms(l.maxMs)} ms, p99 ${ms(l.p99Ms)} ms`;
}

type Outputs = Map<string, Set<string>>;

/** Records the output hashes one host produced for a case (each host must produce one). */
function note(outputs: Outputs, c: Case, host: string, shas: Set<string>): void {
  const set = outputs.get(c.name) ?? new Set<string>();
  for (const s of shas) set.add(s);
  outputs.set(c.name, set);
  if (shas.size !== 1)
    console.log(`  ! ${host} produced ${String(shas.size)} different outputs for ${c.name}`);
}

/** One wasm instance on the main thread of a fresh Node process; returns the output. */
async function wasmSequential(probe: Probe, c: Case, rows: Row[], outputs: Outputs): Promise<string> {
  const t0 = performance.now();
  const { host, init, spawnMs } = await WasmHost.start(probe, 0);
  const startMs = performance.now() - t0;
  const r = await sequential(host, c, (on) => host.lag(on));
  note(outputs, c, host.label, r.shas);
  rows.push({
    host: host.label,
    caseName: c.name,
    start: `${ms(startMs)} ms (node ${ms(spawnMs)}, compile ${ms(init.compileMs)}, instantiate+init ${ms(init.initMs)})`,
    cold: r.cold,
    p50: percentile(r.warm, 50),
    p95: percentile(r.warm, 95),
    rss:
      `RSS ${mib(r.memory.vmRSS)} (node alone ${mib(init.before.vmRSS)}), HWM ${mib(r.memory.vmHWM)}, ` +
      `wasm memory ${mib(r.memory.wasm)}, JS heap ${mib(r.memory.heapUsed)}`,
    lag: lagText(r.lag),
  });
  await host.close();
  return r.output;
}

/** One fresh long-lived native process; returns the output. */
async function nativeSequential(probe: Probe, c: Case, rows: Row[], outputs: Outputs): Promise<string> {
  const host = new NativeHost('native, 1 process', probe.native, 1);
  const startMs = await host.ready();
  const r = await sequential(host, c, localLag());
  note(outputs, c, host.label, r.shas);
  rows.push({
    host: host.label,
    caseName: c.name,
    start: `${ms(startMs)} ms (spawn to ready)`,
    cold: r.cold,
    p50: percentile(r.warm, 50),
    p95: percentile(r.warm, 95),
    rss: `RSS ${mib(r.memory.vmRSS)}, HWM ${mib(r.memory.vmHWM)}`,
    lag: lagText(r.lag),
  });
  await host.close();
  return r.output;
}

function concurrencyLine(c: Case, label: string, start: string, r: ConcurrentResult, memory: string): string {
  const p50 = ms(percentile(r.latencies, 50));
  const p95 = ms(percentile(r.latencies, 95));
  const throughput = ((r.latencies.length / r.wallMs) * 1000).toFixed(1);
  return `| ${c.name} | ${label} | ${start} | ${p50} | ${p95} | ${throughput} | ${memory} |`;
}

/** Concurrency 4: four wasm workers, then one and two native processes. */
async function concurrency(probe: Probe, c: Case, lines: string[], outputs: Outputs): Promise<void> {
  const t0 = performance.now();
  const { host, init } = await WasmHost.start(probe, 4);
  const startMs = performance.now() - t0;
  const r = await concurrent(host, c);
  note(outputs, c, host.label, r.shas);
  const inits = (init.workerInitMs ?? []).map(ms).join('/');
  lines.push(
    concurrencyLine(
      c,
      host.label,
      `${ms(startMs)} ms (instantiate+init per worker ${inits} ms)`,
      r,
      `RSS ${mib(r.memory.vmRSS)}, HWM ${mib(r.memory.vmHWM)}, wasm memory ${mib(r.memory.wasm)}`,
    ),
  );
  await host.close();
  for (const n of [1, 2]) {
    const native = new NativeHost(`native, ${String(n)} process${n > 1 ? 'es' : ''}`, probe.native, n);
    const nativeStart = await native.ready();
    const nr = await concurrent(native, c);
    note(outputs, c, native.label, nr.shas);
    lines.push(
      concurrencyLine(
        c,
        native.label,
        `${ms(nativeStart)} ms`,
        nr,
        `RSS ${mib(nr.memory.vmRSS)}, HWM ${mib(nr.memory.vmHWM)}`,
      ),
    );
    await native.close();
  }
}

async function upstreamOutput(c: Case, tools: { kustomize: string; helm: string }): Promise<string> {
  const [cmd = '', ...args] = c.upstream(tools);
  return capture(cmd, args, { PATH: process.env.PATH, HOME: os.tmpdir() });
}

async function main(): Promise<void> {
  console.log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, ${String(os.availableParallelism())} cores`,
  );
  const probe = await ensureProbe();
  const tools = await ensureUpstreamTools({ cacheDir: defaultCacheDir(process.env) });
  const wasmSize = (await stat(probe.wasm)).size;
  const nativeSize = (await stat(probe.native)).size;
  const gz = gzipSync(await readFile(probe.wasm)).length;
  console.log(`\nprobe.wasm ${mib(wasmSize)} MiB (gzip ${mib(gz)} MiB); native probe ${mib(nativeSize)} MiB`);
  console.log(
    `iterations ${String(iterations)} warm (after ${String(warmups)} warm-ups), concurrency 4 × ${String(rounds)} rounds`,
  );
  console.log(`node flags of the wasm host: ${wasmNodeFlags.join(' ') || 'none'}\n`);

  const rows: Row[] = [];
  const conc: string[] = [];
  const outputs = new Map<string, Set<string>>();
  const fidelity: string[] = [];
  for (const c of cases) {
    console.log(`${c.name} ...`);
    const output = await wasmSequential(probe, c, rows, outputs);
    const nativeOutput = await nativeSequential(probe, c, rows, outputs);
    if (nativeOutput !== output) console.log(`  ! ${c.name}: the first wasm and native outputs differ`);
    await concurrency(probe, c, conc, outputs);
    const upstream = await upstreamOutput(c, tools);
    const same = outputs.get(c.name)?.size === 1;
    fidelity.push(
      `| ${c.name} | ${String(output.length)} bytes | ${same ? 'identical' : 'DIFFERENT'} | ${output === upstream ? 'identical' : 'DIFFERENT'} |`,
    );
  }

  console.log(
    '\n| case | host | start | first render (ms) | warm p50 (ms) | warm p95 (ms) | memory after the renders (MiB) | event-loop delay during warm renders |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.caseName} | ${r.host} | ${r.start} | ${ms(r.cold)} | ${ms(r.p50)} | ${ms(r.p95)} | ${r.rss} | ${r.lag} |`,
    );
  }
  console.log('\nConcurrency 4 (latency of each render; throughput = renders / wall time):\n');
  console.log('| case | host | start | p50 (ms) | p95 (ms) | renders/s | memory (MiB) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const line of conc) console.log(line);
  console.log(
    '\nFidelity (every render of every host, byte for byte; and the probe against the upstream CLI):\n',
  );
  console.log('| case | output | wasm = native (all renders) | = upstream kustomize build / helm template |');
  console.log('| --- | --- | --- | --- |');
  for (const line of fidelity) console.log(line);
  console.log(
    `\nload average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

await main();
