// The default run and the packaged entry point, as a user meets them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function run(
  cmd: string,
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

describe('tide default run', () => {
  it('starts the local cluster, prints how to use it, and stops cleanly', async () => {
    const res = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--exit-when-ready']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /The local cluster is ready/);
    const kubeconfig = /export KUBECONFIG=(\S+)/.exec(res.stdout)?.[1];
    assert.ok(kubeconfig !== undefined, res.stdout);
    assert.match(res.stdout, /kubectl get nodes/);
    assert.equal(existsSync(path.dirname(kubeconfig)), false, 'the temp state directory is removed on stop');
  });

  it('suggests the closest command for a typo and exits with the usage code', async () => {
    const res = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'clustr']);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /Did you mean cluster\?/);
  });

  it('runs from the built package entry point', async (t) => {
    if (!existsSync(path.join(repoRoot, 'dist/cli/main.js'))) {
      t.skip('dist/ is not built (npm install builds it)');
      return;
    }
    const res = await run(process.execPath, ['bin/tide.mjs', 'version']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^tide \d+\.\d+\.\d+\n$/);
  });
});
