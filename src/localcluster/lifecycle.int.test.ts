// The cluster leaves nothing behind: after `tide cluster down`, after a test
// process that fails, and after one that is killed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ensureBinary } from './binary.js';
import { isAlive, startLocalCluster } from './cluster.js';
import { defaultCacheDir } from './defaults.js';
import { ClusterStartError } from './events.js';
import { eventually } from '../testenv/eventually.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: readonly string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => { resolve({ code: code ?? 1, stdout, stderr }); });
  });
}

function tide(args: readonly string[]): Promise<Ran> {
  return run([path.join(repoRoot, 'src/cli/main.ts'), ...args]);
}

interface OwnedState {
  pid: number;
  dir: string;
  components: Record<string, { pid: number }>;
}

async function assertGone(state: OwnedState): Promise<void> {
  const pids = [state.pid, ...Object.values(state.components).map((c) => c.pid)];
  assert.equal(pids.length, 6, 'supervisor and five components');
  await eventually(
    () => {
      const alive = pids.filter(isAlive);
      assert.deepEqual(alive, [], `processes still alive: ${alive.join(', ')}`);
      assert.equal(existsSync(state.dir), false, `${state.dir} still exists`);
    },
    { timeoutMs: 45_000, message: 'the cluster to leave no process and no directory' },
  );
}

describe('local cluster lifecycle', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tide-lifecycle-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('`tide cluster up` returns a working cluster and `tide cluster down` leaves nothing behind', async () => {
    const dir = path.join(tmp, 'cli');
    const up = await tide(['cluster', 'up', '--dir', dir]);
    assert.equal(up.code, 0, up.stderr);
    const kubeconfig = up.stdout.trim();
    assert.equal(kubeconfig, path.join(dir, 'kubeconfig'));
    assert.match(await readFile(kubeconfig, 'utf8'), /server: https:\/\/127\.0\.0\.1:\d+/);
    const state = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8')) as OwnedState;
    assert.ok(isAlive(state.pid), 'the supervisor runs in the background');

    const again = await tide(['cluster', 'up', '--dir', dir]);
    assert.equal(again.code, 4, 'a second up on the same directory is refused');
    assert.match(again.stderr, /already running in/);

    const down = await tide(['cluster', 'down', '--dir', dir]);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stderr, /stopped the local cluster/);
    await assertGone(state);
  });

  for (const mode of ['throw', 'wait'] as const) {
    const what = mode === 'throw' ? 'fails with an uncaught error' : 'is killed with SIGKILL';
    it(`stops everything when the owning test process ${what}`, async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'testdata/owner-process.ts'), mode], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { resolve(code); }));
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.on('exit', (code) => { reject(new Error(`owner exited with ${code ?? 'signal'} before reporting`)); });
      });
      const state = JSON.parse(line) as OwnedState;
      if (mode === 'wait') child.kill('SIGKILL');
      const code = await exited;
      assert.notEqual(code, 0);
      await assertGone(state);
    });
  }

  it('reports a port that is taken and starts nothing', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const dir = path.join(tmp, 'port');
      const up = await tide(['cluster', 'up', '--dir', dir, '--port', String(port)]);
      assert.equal(up.code, 3, up.stderr);
      assert.match(up.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
      assert.equal(existsSync(path.join(dir, 'state.json')), false);
    } finally {
      server.close();
    }
  });

  it('names the component that failed to start and its log', async () => {
    const binary = await ensureBinary({ cacheDir: defaultCacheDir(process.env) });
    const dir = path.join(tmp, 'broken');
    const err = await startLocalCluster({
      binary: binary.path,
      dir,
      componentArgs: { 'kube-apiserver': ['--no-such-flag=1'] },
    }).then(
      () => assert.fail('the cluster started with an invalid apiserver flag'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ClusterStartError, String(err));
    assert.equal(err.details.component, 'kube-apiserver');
    assert.match(err.message, /kube-apiserver failed: .*exited before it was ready/);
    assert.equal(err.details.log, path.join(dir, 'logs', 'kube-apiserver.log'));
    assert.match(await readFile(err.details.log, 'utf8'), /unknown flag: --no-such-flag/);
    assert.match(err.message, /last log lines[^]*unknown flag: --no-such-flag/, 'the error carries the log tail');
  });

  it('starts kwok again when it exits before the nodes are Ready, then reports its log', async () => {
    const binary = await ensureBinary({ cacheDir: defaultCacheDir(process.env) });
    const dir = path.join(tmp, 'broken-kwok');
    const err = await startLocalCluster({
      binary: binary.path,
      dir,
      componentArgs: { kwok: ['--no-such-flag=1'] },
    }).then(
      () => assert.fail('the cluster started with an invalid kwok flag'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ClusterStartError, String(err));
    assert.equal(err.details.component, 'kwok');
    assert.match(err.message, /kwok failed: .*exited before nodes were Ready/);
    const log = await readFile(path.join(dir, 'logs', 'kwok.log'), 'utf8');
    assert.equal(log.match(/unknown flag: --no-such-flag/g)?.length, 3, `three attempts in the log:\n${log}`);
  });
});
