// Source controller with 100 GitRepositories polling one git server every minute:
// CPU and memory of the manager, the cost of a no-change poll, and the time from a
// push to a new artifact when a webhook-style requestedAt annotation triggers it.
// Usage: node --expose-gc --import tsx bench/source-gitrepository.ts [repositories=100] [minutes=2]
// Uses $TIDE_TEST_KUBECONFIG when set, otherwise starts a local cluster.
import {
  createSecret,
  gitRepository,
  readGitRepository,
  requestReconcile,
  startSourceHarness,
  waitReady,
} from '../src/controllers/source/testdata/harness.js';
import { GitRepositories } from '../src/controllers/source/gitrepository/reconcile-include.js';
import { eventually } from '../src/testenv/eventually.js';

const count = Number(process.argv[2] ?? 100);
const minutes = Number(process.argv[3] ?? 2);
const gc = (globalThis as { gc?: () => void }).gc;

const h = await startSourceHarness({
  logLevel: 'error',
  concurrent: 2,
  minRetryDelayMs: 750,
  maxRetryDelayMs: 900_000,
  intervalJitterPercentage: 5,
});
try {
  const ns = `bench-${Date.now().toString(36)}`;
  await h.env.core.createNamespace({ body: { metadata: { name: ns } } });
  const repo = await h.git.createRepo('bench/app', { defaultBranch: 'main' });
  const files: Record<string, string> = {};
  for (let i = 0; i < 50; i++)
    files[`deploy/app-${i}.yaml`] =
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-${i}\ndata:\n  i: "${i}"\n`;
  await repo.commit(files);
  await createSecret(h.client, ns, 'auth', {
    username: h.git.credentials.username,
    password: h.git.credentials.password,
    'ca.crt': h.git.caCertPem,
  });

  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    await h.client.create(
      GitRepositories,
      gitRepository(ns, `repo-${i}`, {
        url: repo.httpsUrl,
        interval: '1m',
        secretRef: { name: 'auth' },
        ref: { branch: 'main' },
      }),
    );
  }
  for (let i = 0; i < count; i++) await waitReady(h.client, ns, `repo-${i}`, 'True', 300_000);
  console.log(
    `${count} GitRepositories ready in ${((performance.now() - t0) / 1000).toFixed(1)}s (first clone + artifact each)`,
  );

  gc?.();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  h.git.clearRequests();
  await new Promise((r) => setTimeout(r, minutes * 60_000));
  const cpu = process.cpuUsage(cpu0);
  const wallS = (performance.now() - wall0) / 1000;
  gc?.();
  const mem = process.memoryUsage();
  const polls = h.git.requests().filter((r) => r.command === 'ls-refs').length;
  const clones = h.git.requests().filter((r) => r.command === 'fetch').length;
  const cpuS = (cpu.user + cpu.system) / 1e6;
  console.log(
    `steady state over ${wallS.toFixed(0)}s: ${polls} no-change polls, ${clones} clones; manager process CPU ${cpuS.toFixed(2)}s (${((cpuS / wallS) * 100).toFixed(1)}% of one core), ${((cpuS / Math.max(polls, 1)) * 1000).toFixed(1)} ms CPU per poll; RSS ${(mem.rss / 2 ** 20).toFixed(0)} MiB, heap ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB`,
  );
  console.log(
    '  (git ls-remote child processes are not in the process CPU figure: each poll spawns git + git-remote-https)',
  );

  const latencies: number[] = [];
  for (let i = 0; i < 10; i++) {
    const sha = await repo.commit({ 'deploy/app-0.yaml': `v: ${i}\n` });
    const pushed = performance.now();
    await requestReconcile(h.client, ns, 'repo-0');
    await eventually(
      async () => {
        const o = await readGitRepository(h.client, ns, 'repo-0');
        if (o.status?.artifact?.revision !== `main@sha1:${sha}`) throw new Error('not yet');
      },
      { intervalMs: 10, maxIntervalMs: 20, timeoutMs: 60_000 },
    );
    latencies.push(performance.now() - pushed);
  }
  latencies.sort((a, b) => a - b);
  console.log(
    `push → new artifact with a requestedAt trigger: median ${latencies[5]?.toFixed(0)} ms, min ${latencies[0]?.toFixed(0)} ms, max ${latencies[9]?.toFixed(0)} ms`,
  );
  await h.env.core.deleteNamespace({ name: ns });
} finally {
  await h.stop();
  process.exit(0);
}
