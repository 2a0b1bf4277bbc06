// Rendering latency and memory: Tide's helper pool (src/render/renderer.ts)
// against the upstream `kustomize build` and `helm template` binaries (built
// from the same module graph), on a 20-object kustomization, a 200-object
// kustomization with an overlay and a chart of ~30 templates with a
// sub-chart (bench/fixtures/render), at concurrency 1 and 4.
// Target (issue 5): warm rendering within 1.5x of native, no process start
// per render on the hot path. Figures: docs/benchmarks.md, "Rendering".
//
// Usage: npx tsx bench/render.ts [iterations=30] [processes=default]
//   iterations: warm renders per case and concurrency (after 3 warm-ups);
//   at concurrency 4, ceil(iterations / 4) rounds of 4.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCacheDir } from '../src/localcluster/defaults.js';
import { ensureRendererBinary, ensureUpstreamTools, type UpstreamTools } from '../src/render/binary.js';
import { Renderer } from '../src/render/renderer.js';
import type { HelmRenderResult } from '../src/render/types.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'render');
const iterations = Number(process.argv[2] ?? 30);
const processes = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
const warmups = 3;
const cacheDir = defaultCacheDir(process.env);

interface Case {
  readonly name: string;
  readonly tide: (r: Renderer) => Promise<string>;
  readonly upstream: (t: UpstreamTools) => readonly string[];
}

/** `helm template` prints the release manifest, then the hooks. */
function asHelmTemplate(r: HelmRenderResult): string {
  return `${r.manifest.trim()}\n${r.hooks.map((h) => `---\n# Source: ${h.path}\n${h.manifest}\n`).join('')}`;
}

const cases: readonly Case[] = [
  {
    name: 'kustomization, 20 objects',
    tide: (r) => r.kustomizeBuild({ root: fixtures, path: 'kustomize-20' }),
    upstream: (t) => [t.kustomize, 'build', path.join(fixtures, 'kustomize-20')],
  },
  {
    name: 'kustomization, 200 objects (overlay)',
    tide: (r) => r.kustomizeBuild({ root: fixtures, path: 'kustomize-200/overlays/prod' }),
    upstream: (t) => [t.kustomize, 'build', path.join(fixtures, 'kustomize-200/overlays/prod')],
  },
  {
    name: 'chart, 33 templates + sub-chart',
    tide: async (r) =>
      asHelmTemplate(
        await r.helmRender({
          root: fixtures,
          chart: 'chart-webshop',
          valuesFiles: ['chart-values.yaml'],
          releaseName: 'shop',
          namespace: 'shop',
        }),
      ),
    upstream: (t) => [
      t.helm,
      'template',
      'shop',
      path.join(fixtures, 'chart-webshop'),
      '--namespace',
      'shop',
      '-f',
      path.join(fixtures, 'chart-values.yaml'),
    ],
  },
];

// ------------------------------------------------------------ upstream

const timeCommand = '/usr/bin/time';
const cleanEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir() };

interface Run {
  readonly ms: number;
  readonly output: string;
  /** Peak RSS of the process, bytes (only when measured through /usr/bin/time). */
  readonly maxRSS?: number;
}

/** Runs one upstream render as a process, the way the CLI renders. */
function runUpstream(argv: readonly string[], measureMemory = false): Promise<Run> {
  const [cmd = '', ...args] = measureMemory ? [timeCommand, '-f', '%M', ...argv] : argv;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env: cleanEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) {
        reject(new Error(`${argv.join(' ')} exited with ${String(code)}: ${err.trim()}`));
        return;
      }
      const kb = measureMemory ? Number(err.trim().split('\n').at(-1)) : NaN;
      resolve({
        ms,
        output: Buffer.concat(out).toString('utf8'),
        maxRSS: measureMemory ? kb * 1024 : undefined,
      });
    });
  });
}

// ------------------------------------------------------------ figures

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
}

const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const mib = (x: number): string => (x / 2 ** 20).toFixed(0);

async function procStatus(pid: number): Promise<{ rss: number; hwm: number }> {
  const s = await readFile(`/proc/${String(pid)}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB$`, 'm').exec(s)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

interface Measure {
  readonly cold: number;
  readonly warm: readonly number[];
  readonly wallMs: number;
  readonly output: string;
  readonly memory: string;
}

/** A cold render, warm-ups, then timed warm renders, `concurrency` at a time. */
async function measure(render: () => Promise<Run>, concurrency: number): Promise<Omit<Measure, 'memory'>> {
  const first = await render();
  for (let i = 0; i < warmups; i++) await Promise.all(Array.from({ length: concurrency }, render));
  const warm: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < Math.ceil(iterations / concurrency); i++) {
    for (const r of await Promise.all(Array.from({ length: concurrency }, render))) {
      warm.push(r.ms);
      if (r.output !== first.output) throw new Error('a warm render differs from the first render');
    }
  }
  return { cold: first.ms, warm, wallMs: performance.now() - t0, output: first.output };
}

async function measureTide(
  binary: string,
  c: Case,
  concurrency: number,
): Promise<Measure & { startMs: number }> {
  const t0 = performance.now();
  const renderer = await Renderer.start({ binary, processes });
  const startMs = performance.now() - t0;
  try {
    const render = async (): Promise<Run> => {
      const t = performance.now();
      const output = await c.tide(renderer);
      return { ms: performance.now() - t, output };
    };
    const m = await measure(render, concurrency);
    const status = await Promise.all(renderer.pids.map(procStatus));
    const rss = status.reduce((a, s) => a + s.rss, 0);
    const hwm = status.reduce((a, s) => a + s.hwm, 0);
    const memory = `${String(status.length)} helpers: RSS ${mib(rss)}, peak ${mib(hwm)} (${status.map((s) => mib(s.hwm)).join(' + ')})`;
    return { ...m, startMs, memory };
  } finally {
    await renderer.close();
  }
}

async function measureUpstream(tools: UpstreamTools, c: Case, concurrency: number): Promise<Measure> {
  const argv = c.upstream(tools);
  const m = await measure(() => runUpstream(argv), concurrency);
  let memory = 'not measured (no /usr/bin/time)';
  if (existsSync(timeCommand)) {
    const peaks: number[] = [];
    for (let i = 0; i < 3; i++) peaks.push((await runUpstream(argv, true)).maxRSS ?? 0);
    memory = `peak ${mib(Math.max(...peaks))} per process${concurrency > 1 ? ` (× ${String(concurrency)} at once)` : ''}`;
  }
  return { ...m, memory };
}

// ------------------------------------------------------------ the run

async function main(): Promise<void> {
  const load = (): string =>
    os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(`load average ${load()}; ${String(os.availableParallelism())} cores; Node ${process.version}`);
  const binary = await ensureRendererBinary({
    cacheDir,
    onProgress: (l) => {
      console.log(`  ${l}`);
    },
  });
  const tools = await ensureUpstreamTools({
    cacheDir,
    onProgress: (l) => {
      console.log(`  ${l}`);
    },
  });
  console.log(`tide-render ${binary}\nupstream ${path.dirname(tools.kustomize)}`);
  console.log(
    `${String(iterations)} warm renders per row after ${String(warmups)} warm-ups; helpers per pool: ${String(processes ?? 'default')}\n`,
  );

  const rows: string[] = [];
  const ratios: string[] = [];
  const starts: number[] = [];
  const fidelity: string[] = [];
  for (const c of cases) {
    for (const concurrency of [1, 4]) {
      console.log(`${c.name}, concurrency ${String(concurrency)} ...`);
      const tide = await measureTide(binary, c, concurrency);
      const up = await measureUpstream(tools, c, concurrency);
      starts.push(tide.startMs);
      const row = (who: string, m: Measure): string => {
        const throughput = ((m.warm.length / m.wallMs) * 1000).toFixed(1);
        return `| ${c.name} | ${String(concurrency)} | ${who} | ${ms(m.cold)} | ${ms(percentile(m.warm, 50))} | ${ms(percentile(m.warm, 95))} | ${throughput} | ${m.memory} |`;
      };
      rows.push(row('Tide (helper pool)', tide), row('upstream CLI', up));
      const r50 = percentile(tide.warm, 50) / percentile(up.warm, 50);
      const r95 = percentile(tide.warm, 95) / percentile(up.warm, 95);
      ratios.push(
        `| ${c.name} | ${String(concurrency)} | ${r50.toFixed(2)} | ${r95.toFixed(2)} | ${(tide.cold / up.cold).toFixed(2)} |`,
      );
      if (concurrency === 1)
        fidelity.push(`| ${c.name} | ${tide.output === up.output ? 'identical' : 'DIFFERENT'} |`);
    }
  }
  console.log(
    `\nRenderer.start (${String(starts.length)} pools, spawn to ready): median ${ms(percentile(starts, 50))} ms, max ${ms(Math.max(...starts))} ms\n`,
  );
  console.log(
    '| case | concurrency | renderer | cold (ms) | warm p50 (ms) | warm p95 (ms) | renders/s | memory (MiB) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
  console.log('\nTide / upstream:\n');
  console.log('| case | concurrency | warm p50 | warm p95 | cold |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of ratios) console.log(r);
  console.log('\nOutput, Tide vs upstream (helm: manifest + hooks as `helm template` prints them):\n');
  console.log('| case | Tide output = upstream output |');
  console.log('| --- | --- |');
  for (const f of fidelity) console.log(f);
  console.log(`\nload average ${load()}`);
}

await main();
