// Cost of a test-fixture commit on the git server's repository helper (git fast-import).
// Usage: npx tsx bench/gitserver-commit.ts [commits=50]
import { startGitServer } from '../src/gitserver/index.js';

const commits = Number(process.argv[2] ?? 50);
const server = await startGitServer();
try {
  const repo = await server.createRepo('bench');
  const times: number[] = [];
  for (let i = 0; i < commits; i++) {
    const t0 = performance.now();
    await repo.commit({ [`file-${i}.txt`]: `${i}\n`, 'shared.txt': `${i}\n` });
    times.push(performance.now() - t0);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) =>
    (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(1);
  console.log(`${commits} commits: median ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${at(1)} ms`);
} finally {
  await server.close();
}
