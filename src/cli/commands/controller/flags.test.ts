import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { runTide } from '../../testdata/context.js';
import { addControllerFlags, controllerConfigFrom, type ControllerConfig } from './flags.js';

type Env = Record<string, string | undefined>;

function parse(argv: readonly string[], env: Env = {}): ControllerConfig {
  const cmd = addControllerFlags(new Command('controller')).exitOverride();
  cmd.parse(argv, { from: 'user' });
  return controllerConfigFrom(cmd, env, 'node-a');
}

/** Runs `tide controller <argv>` to a usage error and returns its exit code and stderr. */
async function refused(argv: readonly string[], env: Env = {}): Promise<{ code: number; stderr: string }> {
  const res = await runTide(['controller', ...argv], { env });
  return { code: res.code, stderr: res.stderr };
}

describe('tide controller flags', () => {
  it("defaults to both controllers with Flux's defaults and a doubled client budget", () => {
    const c = parse([]);
    assert.deepEqual(c.controllers, ['source', 'kustomize']);
    assert.equal(c.manager.metricsAddr, ':8080');
    assert.equal(c.manager.healthAddr, ':9440');
    assert.equal(c.manager.concurrent, 4);
    assert.equal(c.manager.kubeApiQps, 100);
    assert.equal(c.manager.kubeApiBurst, 600);
    assert.equal(c.manager.watchAllNamespaces, true);
    assert.equal(c.manager.watchLabelSelector, undefined);
    assert.equal(c.manager.leaderElection.enabled, false);
    assert.equal(c.manager.leaderElection.releaseOnCancel, true);
    assert.equal(c.manager.gracefulShutdownTimeoutMs, 600_000);
    assert.equal(c.manager.runtimeNamespace, 'flux-system');
    assert.equal(c.manager.logLevel, 'info');
    assert.equal(c.manager.eventsAddr, undefined);
    assert.equal(c.source.storagePath, '/data');
    assert.equal(c.source.storageAddr, ':9090');
    assert.equal(c.source.storageAdvAddr, 'localhost:9090');
    assert.equal(c.source.artifactRetentionTtlMs, 60_000);
    assert.equal(c.source.artifactRetentionRecords, 2);
    assert.equal(c.source.requeueDependencyMs, 30_000);
    assert.equal(c.source.noCrossNamespaceRefs, false);
    assert.equal(c.kustomize.requeueDependencyMs, 30_000);
    assert.equal(c.kustomize.concurrentSsa, 4);
    assert.equal(c.kustomize.httpRetry, 9);
    assert.equal(c.kustomize.noRemoteBases, false);
    assert.equal(c.kustomize.strictSubstitutions, true);
    assert.equal(c.kubeconfig, undefined);
    assert.equal(c.rendererBinary, undefined);
  });

  it("takes Flux's kustomize-controller Deployment arguments unchanged", () => {
    const c = parse([
      '--controllers=kustomize',
      '--events-addr=http://notification-controller.flux-system.svc.cluster.local./',
      '--watch-all-namespaces=true',
      '--log-level=info',
      '--log-encoding=json',
      '--enable-leader-election',
    ]);
    assert.deepEqual(c.controllers, ['kustomize']);
    assert.equal(c.manager.eventsAddr, 'http://notification-controller.flux-system.svc.cluster.local./');
    assert.equal(c.manager.leaderElection.enabled, true);
    assert.equal(c.manager.concurrent, 4);
    assert.equal(c.manager.kubeApiQps, 50);
    assert.equal(c.manager.kubeApiBurst, 300);
  });

  it("takes Flux's source-controller Deployment arguments unchanged", () => {
    const c = parse(
      [
        '--controllers=source-controller',
        '--watch-all-namespaces',
        '--log-level=debug',
        '--enable-leader-election=false',
        '--storage-path=/data',
        '--storage-adv-addr=source-controller.tide-system.svc.cluster.local.',
      ],
      { RUNTIME_NAMESPACE: 'tide-system' },
    );
    assert.deepEqual(c.controllers, ['source']);
    assert.equal(c.manager.concurrent, 2);
    assert.equal(c.manager.kubeApiQps, 50);
    assert.equal(c.manager.logLevel, 'debug');
    assert.equal(c.manager.leaderElection.enabled, false);
    assert.equal(c.manager.runtimeNamespace, 'tide-system');
    assert.equal(c.source.storageAdvAddr, 'source-controller.tide-system.svc.cluster.local.');
  });

  it('applies the flags both Flux controllers have to both', () => {
    const c = parse(['--requeue-dependency=5s', '--no-cross-namespace-refs=true']);
    assert.equal(c.source.requeueDependencyMs, 5_000);
    assert.equal(c.kustomize.requeueDependencyMs, 5_000);
    assert.equal(c.source.noCrossNamespaceRefs, true);
    assert.equal(c.kustomize.noCrossNamespaceRefs, true);
    assert.equal(parse(['--no-cross-namespace-refs']).source.noCrossNamespaceRefs, true);
    assert.equal(parse(['--no-cross-namespace-refs=false']).kustomize.noCrossNamespaceRefs, false);
  });

  it('keeps explicit client and worker settings whatever runs', () => {
    const c = parse(['--kube-api-qps=20', '--kube-api-burst=40', '--concurrent=10']);
    assert.equal(c.manager.kubeApiQps, 20);
    assert.equal(c.manager.kubeApiBurst, 40);
    assert.equal(c.manager.concurrent, 10);
    assert.equal(parse(['--controllers=source', '--concurrent=4']).manager.concurrent, 4);
  });

  it('reads the controllers in any order, with Flux names, once each', () => {
    assert.deepEqual(parse(['--controllers', 'kustomize-controller,source']).controllers, [
      'source',
      'kustomize',
    ]);
    assert.deepEqual(parse(['--controllers=source,source']).controllers, ['source']);
    assert.deepEqual(parse(['--controllers= kustomize ']).controllers, ['kustomize']);
  });

  it("takes storage settings from Flux's environment variables unless a flag is given", () => {
    const env = {
      STORAGE_PATH: '/var/lib/tide',
      STORAGE_ADDRESS: '0.0.0.0:9191',
      HOSTNAME: 'source-controller-5d8f',
      TIDE_RENDER_BINARY: '/usr/local/bin/tide-render',
    };
    const c = parse([], env);
    assert.equal(c.source.storagePath, '/var/lib/tide');
    assert.equal(c.source.storageAddr, '0.0.0.0:9191');
    assert.equal(c.source.storageAdvAddr, 'source-controller-5d8f:9191');
    assert.equal(c.rendererBinary, '/usr/local/bin/tide-render');
    const flags = parse(['--storage-path=/srv', '--storage-addr=127.0.0.1:9292'], {
      ...env,
      STORAGE_ADV_ADDR: 'artifacts.example:80',
    });
    assert.equal(flags.source.storagePath, '/srv');
    assert.equal(flags.source.storageAddr, '127.0.0.1:9292');
    assert.equal(flags.source.storageAdvAddr, 'artifacts.example:80');
    assert.equal(parse(['--storage-addr=0.0.0.0:9090']).source.storageAdvAddr, 'node-a:9090');
  });

  it('leaves the advertised address to the controllers when the port is picked at start', () => {
    const c = parse(['--storage-addr=127.0.0.1:0']);
    assert.equal(c.source.storageAddr, '127.0.0.1:0');
    assert.equal(c.source.storageAdvAddr, undefined);
  });

  it('refuses an unknown controller with a suggestion and the usage exit code', async () => {
    const res = await refused(['--controllers=kustomise']);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /unknown controller 'kustomise' \(did you mean kustomize\?\)/);
    const none = await refused(['--controllers=,']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /name at least one of: source, kustomize/);
  });

  it('suggests the closest flag for a misspelt one', async () => {
    const cases: [string[], RegExp][] = [
      [['--storage-pth=/tmp/x'], /✗ unknown flag '--storage-pth=\/tmp\/x' \(did you mean --storage-path\?\)/],
      [['--storage-pth', '/tmp/x'], /✗ unknown flag '--storage-pth' \(did you mean --storage-path\?\)/],
      [
        ['--log-level=info', '--enable-leader-elect'],
        /unknown flag '--enable-leader-elect' \(did you mean --enable-leader-election\?\)/,
      ],
      [['--xyzzy'], /✗ unknown flag '--xyzzy'; see tide controller --help\./],
      [['run'], /✗ tide controller takes no arguments, got 'run'/],
    ];
    for (const [argv, message] of cases) {
      const res = await refused(argv);
      assert.equal(res.code, 2, argv.join(' '));
      assert.match(res.stderr, message, argv.join(' '));
    }
  });

  it('refuses bad values naming the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['--storage-addr=nowhere'], /--storage-addr takes host:port or :port, got 'nowhere'/],
      [['--metrics-addr=8080'], /--metrics-addr takes host:port or :port, got '8080'/],
      [['--artifact-retention-ttl=soon'], /--artifact-retention-ttl takes a duration/],
      [['--artifact-retention-records=0'], /--artifact-retention-records takes a whole number of 1 or more/],
      [['--concurrent=0'], /"0" is not a positive integer/],
      [['--watch-all-namespaces=maybe'], /"maybe" is not true or false/],
      [['--log-level=verbose'], /Allowed choices are debug, info, error/],
      [['--feature-gates=Nope=true'], /unknown feature gate "Nope"/],
      [
        ['--leader-election-renew-deadline=40s'],
        /--leader-election-renew-deadline must be shorter than --leader-election-lease-duration/,
      ],
    ];
    for (const [argv, message] of cases) {
      const res = await refused(argv);
      assert.equal(res.code, 2, `${argv.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, message, argv.join(' '));
    }
  });

  it('refuses a bad storage address from the environment', async () => {
    const res = await refused([], { STORAGE_ADDRESS: 'nowhere' });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /STORAGE_ADDRESS takes host:port or :port, got 'nowhere'/);
  });

  it('says which kubeconfig is missing and exits with the no-cluster code', async () => {
    const res = await runTide(['controller', '--kubeconfig', '/nonexistent/kubeconfig'], {});
    assert.equal(res.code, 6);
    assert.match(res.stderr, /kubeconfig \/nonexistent\/kubeconfig: cannot read: ENOENT/);
    assert.match(res.stderr, /--kubeconfig or KUBECONFIG/);
    const home = await mkdtemp(path.join(os.tmpdir(), 'tide-home-'));
    try {
      const none = await runTide(['controller'], { env: {}, home });
      assert.equal(none.code, 6);
      assert.match(none.stderr, /no kubeconfig: KUBECONFIG is not set/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('refuses a TIDE_RENDER_BINARY that does not exist', async () => {
    const res = await runTide(['controller'], { env: { TIDE_RENDER_BINARY: '/nonexistent/tide-render' } });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /TIDE_RENDER_BINARY=\/nonexistent\/tide-render: no such file/);
  });
});
