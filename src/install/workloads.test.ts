// The Deployments' arguments are parsed by the real `tide controller` flags, so a
// renamed flag or a value it refuses fails here rather than in a crash-looping pod.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { addControllerFlags, controllerConfigFrom } from '../cli/commands/controller/flags.js';
import type { Manifest } from './manifest.js';
import { generateManifests } from './manifests.js';
import { defaultInstallOptions, type InstallOptions } from './options.js';
import { PORTS } from './workloads.js';

interface Container {
  args: string[];
  env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports: { containerPort: number; name: string }[];
  livenessProbe: { httpGet: { port: string; path: string } };
  readinessProbe: { httpGet: { port: string; path: string } };
}

function containerOf(d: Manifest): Container {
  const c = (d.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0];
  assert.ok(c !== undefined, `${d.metadata.name} has a container`);
  return c;
}

/** What the controller would run with: the args as the kubelet expands them, parsed by `tide controller`. */
function parseAsController(d: Manifest, namespace: string) {
  const c = containerOf(d);
  assert.equal(c.args[0], 'controller', 'the image runs `tide <args>`');
  const runtimeEnv = c.env.find((e) => e.name === 'RUNTIME_NAMESPACE');
  assert.equal(runtimeEnv?.valueFrom?.fieldRef?.fieldPath, 'metadata.namespace');
  const expanded = c.args.slice(1).map((a) => a.replaceAll('$(RUNTIME_NAMESPACE)', namespace));
  const cmd = addControllerFlags(new Command('controller')).exitOverride();
  cmd.parse(expanded, { from: 'user' });
  return controllerConfigFrom(cmd, { RUNTIME_NAMESPACE: namespace }, `${d.metadata.name}-abc`);
}

describe('controller Deployments', () => {
  const cases: [string, Partial<InstallOptions>][] = [
    ['defaults', {}],
    [
      'non-default options',
      { namespace: 'tide-prod', watchAllNamespaces: false, logLevel: 'debug', clusterDomain: 'k8s.example' },
    ],
  ];
  for (const [name, change] of cases) {
    it(`runs what tide controller accepts (${name})`, () => {
      const opts = { ...defaultInstallOptions('1.2.3'), ...change };
      const deployments = generateManifests(opts).filter((o) => o.kind === 'Deployment');
      for (const d of deployments) {
        const config = parseAsController(d, opts.namespace);
        const role = d.metadata.name === 'source-controller' ? 'source' : 'kustomize';
        assert.deepEqual(config.controllers, [role]);
        assert.equal(config.manager.watchAllNamespaces, opts.watchAllNamespaces);
        assert.equal(config.manager.logLevel, opts.logLevel);
        assert.equal(config.manager.leaderElection.enabled, true);
        assert.equal(config.manager.runtimeNamespace, opts.namespace);
        // The probes and the Service reach the ports the controller binds by default.
        assert.equal(config.manager.healthAddr, `:${String(PORTS.health)}`);
        assert.equal(config.manager.metricsAddr, `:${String(PORTS.metrics)}`);
        const c = containerOf(d);
        assert.deepEqual(
          c.ports.find((p) => p.name === 'healthz')?.containerPort,
          PORTS.health,
          'healthz port',
        );
        assert.equal(c.livenessProbe.httpGet.path, '/healthz');
        assert.equal(c.readinessProbe.httpGet.path, '/readyz');
        if (role === 'source') {
          assert.equal(config.source.storagePath, '/data');
          assert.equal(config.source.storageAddr, `:${String(PORTS.artifacts)}`);
          assert.equal(
            config.source.storageAdvAddr,
            `source-controller.${opts.namespace}.svc.${opts.clusterDomain}.`,
          );
        }
      }
    });
  }
});
