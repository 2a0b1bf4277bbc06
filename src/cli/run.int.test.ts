// The default run and the packaged entry point, as a user meets them.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execGit, isolatedGitEnv } from '../gitserver/index.js';
import { defaultCacheDir } from '../localcluster/defaults.js';
import { kubeconfigEnvVar } from '../testenv/env.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Running {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<number>;
}

/**
 * Starts `tide` with an environment of its own: no KUBECONFIG, a fresh HOME (so no
 * ~/.kube/config), but the usual build cache, so nothing is rebuilt.
 */
function start(args: readonly string[], env: Record<string, string>): Running {
  const { KUBECONFIG: _kc, ...parent } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: repoRoot,
    env: { ...parent, XDG_CACHE_HOME: path.dirname(defaultCacheDir(process.env)), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const running: Running = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => {
        resolve(code ?? 1);
      });
    }),
  };
  child.stdout.on('data', (c: Buffer) => (running.stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (running.stderr += c.toString()));
  return running;
}

async function until(running: Running, what: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = what.exec(running.stdout + running.stderr);
    if (m !== null) return m;
    if (running.child.exitCode !== null || Date.now() > deadline)
      assert.fail(
        `no ${what} (exit ${running.child.exitCode})\nstdout:\n${running.stdout}\nstderr:\n${running.stderr}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('tide default run', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const tempDir = async (prefix: string): Promise<string> => {
    const d = await mkdtemp(path.join(os.tmpdir(), prefix));
    dirs.push(d);
    return d;
  };

  it('syncs the demo on a local cluster, applies a commit within seconds, and stops cleanly on Ctrl-C', async () => {
    const home = await tempDir('tide-run-home-');
    const run = start([], { HOME: home, XDG_DATA_HOME: path.join(home, 'data') });
    try {
      await until(run, /Press Ctrl-C to stop/, 240_000);
      // What the user sees: the tables of `tide get all`, Ready, and the next steps.
      assert.match(
        run.stdout,
        /^gitrepository\/demo\s+main@sha1:[0-9a-f]{40}\s+False\s+True\s/m,
        `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`,
      );
      assert.match(
        run.stdout,
        /^kustomization\/demo\s+main@sha1:[0-9a-f]{40}\s+False\s+True\s+Applied revision/m,
      );
      const kubeconfig = /export KUBECONFIG=(\S+)/.exec(run.stdout)?.[1];
      assert.ok(kubeconfig !== undefined, run.stdout);
      const workdir = path.join(home, 'data', 'tide', 'demo', 'app');
      assert.match(run.stdout, /cd ~\/data\/tide\/demo\/app/);

      // Edit, commit: the hook pushes, the run fetches at once and reports the new revision.
      const patch = path.join(workdir, 'apps/demo/overlays/local/configmap-patch.yaml');
      await writeFile(patch, (await readFile(patch, 'utf8')).replace('Hello from Tide', 'Hello, edited'));
      const commit = await execGit(['commit', '--quiet', '-am', 'a new greeting'], {
        cwd: workdir,
        env: isolatedGitEnv(home),
      });
      assert.equal(commit.code, 0, commit.stderr);
      const sha = (await execGit(['rev-parse', 'HEAD'], { cwd: workdir, env: isolatedGitEnv(home) })).stdout
        .toString()
        .trim();
      const synced = Date.now();
      await until(run, new RegExp(`demo: applied revision main@sha1:${sha}`), 60_000);
      assert.ok(Date.now() - synced < 30_000, 'the commit is applied within seconds, not at the interval');

      run.child.kill('SIGINT');
      assert.equal(await run.exited, 0, run.stderr);
      assert.match(run.stderr, /stopping the local cluster/);
      assert.equal(
        existsSync(path.dirname(kubeconfig)),
        false,
        'the cluster state directory is removed on stop',
      );
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    }
  });

  it('does not write into a configured cluster without --yes when nobody can be asked', async () => {
    const home = await tempDir('tide-run-home-');
    const kubeconfig = process.env[kubeconfigEnvVar];
    const configured = kubeconfig ?? path.join(home, 'kubeconfig');
    if (kubeconfig === undefined)
      await writeFile(
        configured,
        'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
      );
    const run = start(['--exit-when-ready'], { HOME: home, KUBECONFIG: configured });
    assert.equal(await run.exited, 2, run.stderr);
    assert.match(run.stderr, /pass --yes to install the demo there, or --local/);
  });

  it('suggests the closest command for a typo and exits with the usage code', async () => {
    const run = start(['clustr'], {});
    assert.equal(await run.exited, 2);
    assert.match(run.stderr, /Did you mean cluster\?/);
  });

  it('runs from the built package entry point', async (t) => {
    if (!existsSync(path.join(repoRoot, 'dist/cli/main.js'))) {
      t.skip('dist/ is not built (npm install builds it)');
      return;
    }
    const res = await new Promise<{ code: number; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['bin/tide.mjs', '--version'], { cwd: repoRoot });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        resolve({ code: code ?? 1, stdout });
      });
    });
    assert.equal(res.code, 0);
    assert.match(res.stdout, /\d+\.\d+\.\d+/);
  });
});
