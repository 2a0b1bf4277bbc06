// Runs the test tiers with node's test runner.
//   unit:         src/**/*.test.ts that are not *.int.test.ts; no cluster.
//   integration:  **/*.int.test.ts against one shared local cluster, started
//                 here and handed to the test processes by kubeconfig path.
// Usage: tsx scripts/test.ts unit|integration|all [file-or-folder ...]
import { spawn } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureBinary } from '../src/localcluster/binary.js';
import { startLocalCluster } from '../src/localcluster/cluster.js';
import { defaultCacheDir } from '../src/localcluster/defaults.js';
import { kubeconfigEnvVar } from '../src/testenv/env.js';

type Tier = 'unit' | 'integration';
interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

const root = path.resolve(import.meta.dirname, '..');
const searchRoots = ['src', 'test', 'scripts'];

async function findTests(tier: Tier, only: readonly string[]): Promise<string[]> {
  const bases =
    only.length > 0 ? only.map((p) => path.resolve(p)) : searchRoots.map((d) => path.join(root, d));
  const files: string[] = [];
  for (const base of bases) {
    if (base.endsWith('.ts')) {
      files.push(base);
      continue;
    }
    const entries = await readdir(base, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (e.isFile() && e.name.endsWith('.test.ts')) files.push(path.join(e.parentPath, e.name));
    }
  }
  const isIntegration = (f: string): boolean => f.endsWith('.int.test.ts');
  return files.filter((f) => (tier === 'integration' ? isIntegration(f) : !isIntegration(f))).sort();
}

async function runNodeTests(files: readonly string[], env: NodeJS.ProcessEnv, tier: Tier): Promise<Counts> {
  const tap = path.join(os.tmpdir(), `tide-${tier}-${process.pid}.tap`);
  const args = [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${tier === 'unit' ? os.availableParallelism() : 2}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (c) => {
      resolve(c ?? 1);
    });
  });
  const summary = await readFile(tap, 'utf8').catch(() => '');
  await rm(tap, { force: true });
  const count = (key: string): number => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(summary)?.[1] ?? 0);
  const counts = {
    passed: count('pass'),
    failed: count('fail') + count('cancelled'),
    skipped: count('skipped'),
  };
  if (code !== 0 && counts.failed === 0) counts.failed = 1; // the runner itself failed
  return counts;
}

async function runTier(tier: Tier, only: readonly string[]): Promise<Counts> {
  const files = await findTests(tier, only);
  if (files.length === 0) return { passed: 0, failed: 0, skipped: 0 };
  console.log(`\n▶ ${tier} tests: ${files.length} files`);
  if (tier === 'unit') return runNodeTests(files, process.env, tier);

  const binary = await ensureBinary({
    cacheDir: defaultCacheDir(process.env),
    onProgress: (l) => {
      console.log(l);
    },
  });
  const cluster = await startLocalCluster({ binary: binary.path });
  console.log(`shared local cluster ready in ${cluster.startedInSeconds.toFixed(1)}s (${cluster.dir})`);
  try {
    return await runNodeTests(files, { ...process.env, [kubeconfigEnvVar]: cluster.kubeconfig }, tier);
  } finally {
    await cluster.stop();
  }
}

async function main(): Promise<number> {
  const [which = 'all', ...only] = process.argv.slice(2);
  if (!['unit', 'integration', 'all'].includes(which)) {
    console.error('usage: tsx scripts/test.ts unit|integration|all [file-or-folder ...]');
    return 2;
  }
  const tiers: Tier[] = which === 'all' ? ['unit', 'integration'] : [which as Tier];
  const total: Counts = { passed: 0, failed: 0, skipped: 0 };
  for (const tier of tiers) {
    const c = await runTier(tier, only);
    total.passed += c.passed;
    total.failed += c.failed;
    total.skipped += c.skipped;
  }
  if (total.passed + total.failed === 0) {
    console.error('no tests ran');
    return 1;
  }
  console.log(`\n${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  return total.failed === 0 ? 0 : 1;
}

process.exitCode = await main();
