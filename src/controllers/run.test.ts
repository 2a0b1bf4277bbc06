import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import {
  clientDefaultsFor,
  concurrentDefaultFor,
  defaultManagerOptions,
  defaultStorageAdvAddr,
  leaderElectionId,
  managerNameFor,
  normalizeControllers,
  resolveListenPort,
} from './run/defaults.js';

describe('controllers in one process', () => {
  it('names the manager (and so its Lease) after the controllers it runs', () => {
    const cases: [Parameters<typeof managerNameFor>[0], string][] = [
      [['source'], 'source-controller'],
      [['kustomize'], 'kustomize-controller'],
      [['kustomize', 'source'], 'tide-controller'],
      [['source', 'source'], 'source-controller'],
    ];
    for (const [controllers, name] of cases)
      assert.equal(managerNameFor(controllers), name, controllers.join());
    // Two Deployments, one controller each: two Leases, as Flux's.
    assert.notEqual(
      leaderElectionId(managerNameFor(['source'])),
      leaderElectionId(managerNameFor(['kustomize'])),
    );
    assert.equal(leaderElectionId(managerNameFor(['kustomize'])), 'kustomize-controller-leader-election');
  });

  it("hashes the shard selector into the Lease name like Flux's GenerateID", () => {
    // fluxcd/pkg's test vectors: GenerateID("foo", "bar") = "foo-fcde2b2e".
    assert.equal(leaderElectionId('foo'), 'foo-leader-election');
    assert.equal(leaderElectionId('foo', ''), 'foo-leader-election');
    assert.equal(leaderElectionId('foo', 'bar'), 'foo-leader-election-fcde2b2e');
    assert.notEqual(
      leaderElectionId('kustomize-controller', 'sharding.fluxcd.io/key=shard1'),
      leaderElectionId('kustomize-controller', 'sharding.fluxcd.io/key=shard2'),
    );
  });

  it('refuses an empty set of controllers and keeps a fixed order', () => {
    assert.throws(() => normalizeControllers([]), /no controller to run \(known: source, kustomize\)/);
    assert.deepEqual(normalizeControllers(['kustomize', 'source', 'kustomize']), ['source', 'kustomize']);
  });

  it("gives a shared client Flux's budget per controller, and Flux's worker defaults", () => {
    assert.deepEqual(clientDefaultsFor(['source']), { kubeApiQps: 50, kubeApiBurst: 300 });
    assert.deepEqual(clientDefaultsFor(['kustomize']), { kubeApiQps: 50, kubeApiBurst: 300 });
    assert.deepEqual(clientDefaultsFor(['source', 'kustomize']), { kubeApiQps: 100, kubeApiBurst: 600 });
    assert.equal(concurrentDefaultFor(['source']), 2);
    assert.equal(concurrentDefaultFor(['kustomize']), 4);
    assert.equal(concurrentDefaultFor(['source', 'kustomize']), 4);
  });

  it("starts the manager options from Flux's flag defaults", () => {
    const both = defaultManagerOptions(['source', 'kustomize'], { metricsAddr: '127.0.0.1:0' });
    assert.equal(both.metricsAddr, '127.0.0.1:0');
    assert.equal(both.healthAddr, ':9440');
    assert.equal(both.kubeApiQps, 100);
    assert.equal(both.kubeApiBurst, 600);
    assert.equal(both.concurrent, 4);
    assert.equal(both.runtimeNamespace, 'flux-system');
    assert.equal(both.watchAllNamespaces, true);
    assert.equal(both.leaderElection.enabled, false);
    assert.equal(both.leaderElection.leaseDurationMs, 35_000);
    assert.equal(both.gracefulShutdownTimeoutMs, 600_000);
    assert.equal(both.minRetryDelayMs, 750);
    assert.equal(both.logLevel, 'info');
    const source = defaultManagerOptions(['source']);
    assert.equal(source.concurrent, 2);
    assert.equal(source.kubeApiQps, 50);
  });

  it("derives the advertised artifact address by Flux's rule", () => {
    const cases: [string, string][] = [
      [':9090', 'localhost:9090'],
      ['0.0.0.0:9090', 'pod-7f9c:9090'],
      ['127.0.0.1:9091', '127.0.0.1:9091'],
      ['source-controller:80', 'source-controller:80'],
      ['[::1]:9090', '[::1]:9090'],
    ];
    for (const [addr, adv] of cases) assert.equal(defaultStorageAdvAddr(addr, 'pod-7f9c'), adv, addr);
  });

  it('resolves port 0 to a free port and leaves other addresses alone', async () => {
    assert.equal(await resolveListenPort(':9090'), ':9090');
    assert.equal(await resolveListenPort('127.0.0.1:8081'), '127.0.0.1:8081');
    const resolved = await resolveListenPort('127.0.0.1:0');
    const match = /^127\.0\.0\.1:(\d+)$/.exec(resolved);
    assert.ok(match !== null, resolved);
    const port = Number(match[1]);
    assert.ok(port > 0, resolved);
    // The port is free again: the artifact server can take it.
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});
