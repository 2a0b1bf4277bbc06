// `tide controller` as the container runs it: a child process with Flux's flags, a
// prebuilt tide-render (TIDE_RENDER_BINARY) and an empty cache (so nothing is built),
// leader election on. It applies a Kustomization from git, logs JSON lines only, and on
// SIGTERM drains, releases its Lease and exits 0.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  peakRssMiB,
  startControllerFixture,
  type ControllerFixture,
} from '../../../controllers/run/testdata/fixture.js';
import { defaultCacheDir } from '../../../localcluster/defaults.js';
import { ensureRendererBinary } from '../../../render/binary.js';
import { leaderElectionId } from '../../../runtime/leader/id.js';
import type { KubeObject } from '../../../api/object.js';
import { eventually } from '../../../testenv/eventually.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const Leases = {
  group: 'coordination.k8s.io',
  version: 'v1',
  plural: 'leases',
  kind: 'Lease',
  namespaced: true,
} as const;

interface Running {
  readonly child: ChildProcess;
  /** stderr so far, line by line. */
  readonly lines: string[];
  readonly exit: Promise<number | null>;
}

function startTide(args: readonly string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'controller', ...args], {
    cwd: repoRoot,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? os.homedir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  child.stderr.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stdout.on('data', (chunk: Buffer) => {
    lines.push(`stdout: ${chunk.toString()}`);
  });
  const exit = new Promise<number | null>((resolve) => {
    child.on('close', resolve);
  });
  return { child, lines, exit };
}

/** Direct children of a process (the tide-render helpers of a controller). */
async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return tasks
    .split(/\s+/)
    .filter((s) => s !== '')
    .map(Number);
}

let f: ControllerFixture;
let renderBinary: string;
let cacheDir: string;
before(async () => {
  f = await startControllerFixture();
  renderBinary = await ensureRendererBinary({ cacheDir: defaultCacheDir(process.env) });
  cacheDir = await mkdtemp(path.join(os.tmpdir(), 'tide-empty-cache-'));
});
after(async () => {
  await f.close();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('tide controller', () => {
  it('applies a Kustomization, then drains and exits 0 on SIGTERM', async (t) => {
    const tide = startTide(
      [
        `--kubeconfig=${f.env.kubeconfigPath}`,
        '--metrics-addr=127.0.0.1:0',
        '--health-addr=127.0.0.1:0',
        '--storage-addr=127.0.0.1:0',
        `--storage-path=${f.storagePath}`,
        `--watch-label-selector=${f.selector}`,
        '--watch-all-namespaces=true',
        '--log-level=info',
        '--log-encoding=json',
        '--enable-leader-election',
        '--requeue-dependency=1s',
        '--graceful-shutdown-timeout=20s',
      ],
      { RUNTIME_NAMESPACE: f.namespace, TIDE_RENDER_BINARY: renderBinary, XDG_CACHE_HOME: cacheDir },
    );
    try {
      const ready = await eventually(
        () => {
          const line = tide.lines.find((l) => l.includes('"msg":"controllers ready"'));
          if (line === undefined) throw new Error(`not ready yet; stderr:\n${tide.lines.join('\n')}`);
          return JSON.parse(line) as { artifacts?: string; controllers?: string[] };
        },
        { timeoutMs: 60_000 },
      );
      assert.deepEqual(ready.controllers, ['source', 'kustomize']);
      assert.match(ready.artifacts ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
      const lease = await f.client.get<KubeObject & { spec?: { holderIdentity?: string } }>(
        Leases,
        leaderElectionId('tide-controller', f.selector),
        f.namespace,
      );
      assert.match(lease.spec?.holderIdentity ?? '', new RegExp(`_${tide.child.pid ?? 0}_`));

      await f.createApp('web', 'hello');
      await f.waitApplied('web', 'hello');

      const pid = tide.child.pid ?? 0;
      const own = await peakRssMiB(pid);
      const helpers = await childrenOf(pid);
      const helperRss = await Promise.all(helpers.map(async (p) => (await peakRssMiB(p)).rss));
      t.diagnostic(
        `tide controller (node --import tsx) after Ready: VmHWM ${own.hwm.toFixed(0)} MiB, VmRSS ${own.rss.toFixed(0)} MiB; ` +
          `${helpers.length} tide-render helper(s): ${helperRss.map((r) => r.toFixed(0)).join(', ')} MiB RSS`,
      );
      assert.equal(helpers.length > 0, true, 'the renderer runs as child processes');
      assert.equal(
        existsSync(path.join(cacheDir, 'tide', 'renderer')),
        false,
        'with TIDE_RENDER_BINARY nothing is built into the cache',
      );
    } finally {
      const stopping = Date.now();
      tide.child.kill('SIGTERM');
      const code = await exitWithin(tide, 30_000);
      const tookMs = Date.now() - stopping;
      t.diagnostic(`SIGTERM to exit: ${tookMs} ms`);
      assert.equal(code, 0, tide.lines.join('\n'));
      assert.ok(tookMs < 15_000, `exit took ${tookMs} ms`);
    }
    const lease = await f.client.get<KubeObject & { spec?: { holderIdentity?: string } }>(
      Leases,
      leaderElectionId('tide-controller', f.selector),
      f.namespace,
    );
    assert.equal(lease.spec?.holderIdentity ?? '', '', 'the Lease is released on shutdown');
    for (const line of tide.lines.filter((l) => l !== '')) {
      assert.doesNotThrow(() => JSON.parse(line), `not a JSON log line: ${line}`);
    }
    assert.ok(
      tide.lines.some((l) => l.includes('"msg":"manager stopped"')),
      'the manager logs that it stopped',
    );
  });

  it('names the flag whose port is taken and exits with code 3', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      // --metrics-addr fails before anything runs; --storage-addr once the caches are synced.
      for (const flag of ['--metrics-addr', '--storage-addr']) {
        const addrs: Record<string, string> = {
          '--metrics-addr': '127.0.0.1:0',
          '--health-addr': '127.0.0.1:0',
          '--storage-addr': '127.0.0.1:0',
          [flag]: `127.0.0.1:${port}`,
        };
        const tide = startTide(
          [
            '--controllers=source',
            `--kubeconfig=${f.env.kubeconfigPath}`,
            ...Object.entries(addrs).map(([k, v]) => `${k}=${v}`),
            `--storage-path=${f.storagePath}`,
            `--watch-label-selector=${f.selector}`,
          ],
          { RUNTIME_NAMESPACE: f.namespace },
        );
        const code = await exitWithin(tide, 30_000);
        const text = tide.lines.join('\n');
        assert.equal(code, 3, text);
        assert.match(text, new RegExp(`✗ ${flag} 127\\.0\\.0\\.1:${port}: the address is already in use`));
      }
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

/** The exit code, or a failure (and the process killed) when it has not exited in time. */
async function exitWithin(tide: Running, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      resolve('timeout');
    }, ms);
  });
  const result = await Promise.race([tide.exit, timeout]);
  clearTimeout(timer);
  if (result === 'timeout') {
    tide.child.kill('SIGKILL');
    await tide.exit;
    assert.fail(`tide controller did not exit within ${ms} ms:\n${tide.lines.join('\n')}`);
  }
  return result;
}
