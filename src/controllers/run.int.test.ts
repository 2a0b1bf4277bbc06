// startControllers in this process against the shared cluster: both controllers in one
// manager apply a Kustomization from git; one controller alone runs without a renderer;
// start-up failures reject `ready` and `done` and leave nothing running.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import type { GitRepository } from '../api/source/gitrepository.js';
import { defaultCacheDir } from '../localcluster/defaults.js';
import { loadKubeConfigFromFile } from '../runtime/client/kubeconfig.js';
import { CoreResources } from '../runtime/client/resource.js';
import { createLogger } from '../runtime/log/logger.js';
import { eventually } from '../testenv/eventually.js';
import type { ManagerOptions } from '../runtime/manager/options.js';
import { defaultManagerOptions, startControllers, type ControllerName } from './run.js';
import {
  GitRepositories,
  peakRssMiB,
  startControllerFixture,
  type ControllerFixture,
} from './run/testdata/fixture.js';

let f: ControllerFixture;
before(async () => {
  f = await startControllerFixture();
});
after(async () => {
  await f.close();
});

function managerOptions(
  controllers: ControllerName[],
  overrides: Partial<ManagerOptions> = {},
): ManagerOptions {
  return defaultManagerOptions(controllers, {
    metricsAddr: '127.0.0.1:0',
    healthAddr: '127.0.0.1:0',
    watchLabelSelector: f.selector,
    runtimeNamespace: f.namespace,
    gracefulShutdownTimeoutMs: 10_000,
    minRetryDelayMs: 200,
    maxRetryDelayMs: 2_000,
    logLevel: 'debug',
    ...overrides,
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startControllers', () => {
  it('runs the source and kustomize controllers in one manager until stopped', async (t) => {
    const logs: string[] = [];
    const handle = await startControllers({
      kubeConfig: loadKubeConfigFromFile(f.env.kubeconfigPath),
      manager: managerOptions(['source', 'kustomize']),
      source: { storagePath: f.storagePath, storageAddr: '127.0.0.1:0', requeueDependencyMs: 1_000 },
      kustomize: { requeueDependencyMs: 1_000 },
      renderer: { processes: 1 },
      cacheDir: defaultCacheDir(process.env),
      logger: createLogger({ level: 'debug', write: (line) => logs.push(line) }),
    });
    const rendererPids = handle.renderer?.pids ?? [];
    try {
      await handle.ready;
      assert.equal(handle.name, 'tide-controller');
      assert.deepEqual(handle.controllers, ['source', 'kustomize']);
      assert.equal(handle.manager.options.kubeApiQps, 100);
      assert.equal(rendererPids.length, 1);
      const artifacts = handle.artifactServerUrl ?? '';
      assert.match(artifacts, /^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
      const healthUrl = handle.endpoints?.healthUrl ?? '';
      assert.equal((await fetch(`${healthUrl}/readyz`)).status, 200);
      assert.ok(
        logs.some((l) => l.includes('"msg":"controllers ready"')),
        'ready is logged',
      );

      await f.createApp('hello', 'hi');
      await f.waitApplied('hello', 'hi');
      const repo = await f.client.get<GitRepository>(GitRepositories, 'hello', f.namespace);
      // The advertised address is the port picked for 127.0.0.1:0, which the kustomize controller fetched from.
      const url = repo.status?.artifact?.url ?? '';
      assert.ok(url.startsWith(`${artifacts}/gitrepository/${f.namespace}/hello/`), url);
      // One process, two roles: each reports its events under Flux's controller name.
      await eventually(async () => {
        const events = (await f.client.request({
          path: `/apis/events.k8s.io/v1/namespaces/${f.namespace}/events`,
        })) as { items: { regarding?: { kind?: string }; reportingController?: string }[] };
        const reporters = (kind: string): string[] => [
          ...new Set(
            events.items.filter((e) => e.regarding?.kind === kind).map((e) => e.reportingController ?? ''),
          ),
        ];
        assert.deepEqual(reporters('GitRepository'), ['source-controller']);
        assert.deepEqual(reporters('Kustomization'), ['kustomize-controller']);
      });
      const mem = await peakRssMiB(process.pid);
      t.diagnostic(
        `test process (tsx, test runner, both controllers) after Ready: VmHWM ${mem.hwm.toFixed(0)} MiB, VmRSS ${mem.rss.toFixed(0)} MiB`,
      );
    } finally {
      await handle.stop();
    }
    await handle.stop(); // idempotent
    assert.deepEqual(await handle.done, { reason: 'shutdown' });
    for (const pid of rendererPids) assert.equal(isAlive(pid), false, `renderer helper ${pid} still runs`);
    assert.ok(
      logs.some((l) => l.includes('"msg":"manager stopped"')),
      'the manager logs that it stopped',
    );
  });

  it('runs the source controller alone, without a renderer, until its signal aborts', async () => {
    const abort = new AbortController();
    const handle = await startControllers({
      kubeConfig: loadKubeConfigFromFile(f.env.kubeconfigPath),
      controllers: ['source'],
      manager: managerOptions(['source']),
      source: { storagePath: f.storagePath, storageAddr: '127.0.0.1:0' },
      cacheDir: '/nonexistent-never-used',
      logger: createLogger({ level: 'error', write: () => undefined }),
      signal: abort.signal,
    });
    await handle.ready;
    assert.equal(handle.name, 'source-controller');
    assert.equal(handle.renderer, undefined);
    assert.equal(handle.manager.options.concurrent, 2);
    assert.equal(handle.manager.options.kubeApiQps, 50);
    const healthUrl = handle.endpoints?.healthUrl ?? '';
    abort.abort();
    assert.deepEqual(await handle.done, { reason: 'shutdown' });
    await assert.rejects(fetch(`${healthUrl}/readyz`), 'the health endpoint is closed');
  });

  it('rejects ready and done when a port is taken, and stops the rest', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const handle = await startControllers({
        kubeConfig: loadKubeConfigFromFile(f.env.kubeconfigPath),
        controllers: ['source'],
        manager: managerOptions(['source'], { metricsAddr: `127.0.0.1:${port}` }),
        source: { storagePath: f.storagePath, storageAddr: '127.0.0.1:0' },
        cacheDir: '/nonexistent-never-used',
        logger: createLogger({ level: 'error', write: () => undefined }),
      });
      await assert.rejects(handle.ready, { code: 'EADDRINUSE', port });
      await assert.rejects(handle.done, { code: 'EADDRINUSE' });
      await handle.stop(); // resolves: the error belongs to `done`
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('reads --sops-age-secret once at start-up and names it when it cannot', async () => {
    await assert.rejects(
      startControllers({
        kubeConfig: loadKubeConfigFromFile(f.env.kubeconfigPath),
        controllers: ['kustomize'],
        manager: managerOptions(['kustomize']),
        kustomize: { sopsAgeSecret: 'sops-age' },
        cacheDir: defaultCacheDir(process.env),
        logger: createLogger({ level: 'error', write: () => undefined }),
      }),
      (err: Error) => {
        assert.match(
          err.message,
          new RegExp(`^--sops-age-secret: cannot read Secret ${f.namespace}/sops-age: `),
        );
        return true;
      },
    );
    await f.client.create(CoreResources.Secret, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'sops-age', namespace: f.namespace },
      stringData: { 'notes.txt': 'no key here' },
    } as KubeObject);
    await assert.rejects(
      startControllers({
        kubeConfig: loadKubeConfigFromFile(f.env.kubeconfigPath),
        controllers: ['kustomize'],
        manager: managerOptions(['kustomize']),
        kustomize: { sopsAgeSecret: 'sops-age' },
        cacheDir: defaultCacheDir(process.env),
        logger: createLogger({ level: 'error', write: () => undefined }),
      }),
      /--sops-age-secret: Secret .*\/sops-age has no \*\.agekey entry/,
    );
  });
});
