// Warm start of the local cluster: time to ready, time to stop, and the
// resident memory of its processes once idle. The binary is built first
// (and its build time reported when this run had to build it).
// Usage: npx tsx bench/localcluster-start.ts [runs=5]
import { readFile } from 'node:fs/promises';
import { ensureBinary } from '../src/localcluster/binary.js';
import { startLocalCluster } from '../src/localcluster/cluster.js';
import { defaultCacheDir } from '../src/localcluster/defaults.js';

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

function stats(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return `median ${median.toFixed(2)}, min ${(sorted[0] ?? 0).toFixed(2)}, max ${(sorted.at(-1) ?? 0).toFixed(2)}`;
}

const runs = Number(process.argv[2] ?? 5);
const binary = await ensureBinary({ cacheDir: defaultCacheDir(process.env) });
if (binary.built) console.log(`built the binary in ${binary.buildSeconds?.toFixed(1)}s`);
const { size } = await import('node:fs/promises').then((fs) => fs.stat(binary.path));
console.log(`binary ${binary.path} (${(size / 2 ** 20).toFixed(0)} MiB)`);

const ready: number[] = [];
const stop: number[] = [];
const memory: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const cluster = await startLocalCluster({ binary: binary.path });
  ready.push((performance.now() - t0) / 1000);
  await new Promise((r) => setTimeout(r, 5000)); // let it settle before measuring memory
  const pids = [cluster.pid, ...Object.values(cluster.components).map((c) => c.pid)];
  const perProcess = await Promise.all(pids.map(rssMiB));
  memory.push(perProcess.reduce((a, b) => a + b, 0));
  if (i === 0) {
    const names = ['supervisor', ...Object.keys(cluster.components)];
    console.log(
      'RSS per process (MiB): ' + names.map((n, j) => `${n} ${(perProcess[j] ?? 0).toFixed(0)}`).join(', '),
    );
  }
  const t1 = performance.now();
  await cluster.stop();
  stop.push((performance.now() - t1) / 1000);
}
console.log(`runs: ${runs}`);
console.log(`start to ready (s): ${stats(ready)}`);
console.log(`stop (s): ${stats(stop)}`);
console.log(`idle RSS, all processes (MiB): ${stats(memory)}`);
