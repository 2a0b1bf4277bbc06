// The install manifests: a golden file for non-default options (the default one is
// deploy/tide.yaml, see deploy.test.ts) and the properties every installation keeps.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { toCrd } from '../api/crd.js';
import { allKinds } from '../api/kinds.js';
import { runTide } from '../cli/testdata/context.js';
import { crdNamesOf } from './components.js';
import { INSTANCE_LABEL, PART_OF_LABEL, VERSION_LABEL } from './labels.js';
import type { Manifest } from './manifest.js';
import { generateManifests } from './manifests.js';
import { defaultInstallOptions, validateInstallOptions, type InstallOptions } from './options.js';
import { resourceOfKind } from './resources.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const update = process.env['TIDE_UPDATE_GOLDEN'] === '1';

const customArgs = [
  'install',
  '--export',
  '--namespace=tide-prod',
  '--components=source-controller',
  '--registry=registry.example.com/mirror',
  '--image-pull-secret=regcred',
  '--watch-all-namespaces=false',
  '--network-policy=false',
  '--cluster-domain=k8s.example',
  '--log-level=debug',
  '--toleration-keys=node.example.com/dedicated,gpu',
];

function golden(name: string, actual: string): void {
  const file = path.join(here, 'testdata', name);
  if (update) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs: review, then TIDE_UPDATE_GOLDEN=1`);
}

const byKind = (objects: readonly Manifest[], kind: string): Manifest[] =>
  objects.filter((o) => o.kind === kind);

interface ContainerShape {
  image: string;
  args: string[];
  securityContext: Record<string, unknown>;
}
interface PodShape {
  spec: {
    containers: ContainerShape[];
    imagePullSecrets?: unknown;
    tolerations?: unknown;
    securityContext: Record<string, unknown>;
    volumes: { name: string }[];
  };
}
const podOf = (d: Manifest): PodShape => (d.spec as { template: PodShape }).template;
const containerOf = (d: Manifest): ContainerShape => {
  const c = podOf(d).spec.containers[0];
  assert.ok(c !== undefined, `${d.metadata.name} has a container`);
  return c;
};

describe('tide install --export', () => {
  it('matches the golden file for non-default options', async () => {
    const res = await runTide(customArgs);
    assert.equal(res.code, 0, res.stderr);
    // The CRDs are config/crd's (checked below); the golden file keeps the rest readable.
    const withoutCrds = res.stdout
      .split(/^(?=---\n)/m)
      .filter((doc) => !doc.includes('\nkind: CustomResourceDefinition\n'))
      .join('');
    golden('install-custom.yaml', withoutCrds);
  });

  it('prints exactly the generated objects, in order', async () => {
    const res = await runTide(customArgs);
    const docs = parseAllDocuments(res.stdout).map((d) => d.toJS() as Manifest);
    const opts: InstallOptions = {
      ...defaultInstallOptions('0.1.0'),
      namespace: 'tide-prod',
      components: ['source-controller'],
      registry: 'registry.example.com/mirror',
      imagePullSecret: 'regcred',
      watchAllNamespaces: false,
      networkPolicy: false,
      clusterDomain: 'k8s.example',
      logLevel: 'debug',
      tolerationKeys: ['node.example.com/dedicated', 'gpu'],
    };
    const expected = generateManifests({ ...opts, version: docs[0]?.metadata.labels?.[VERSION_LABEL] ?? '' });
    assert.deepEqual(docs, JSON.parse(JSON.stringify(expected)));
  });

  it('refuses unknown components with a suggestion, and bad values naming the flag', async () => {
    const typo = await runTide(['install', '--export', '--components=source-controler']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /unknown component 'source-controler'.*Did you mean source-controller\?/);
    const ns = await runTide(['install', '--export', '-n', 'Flux_System']);
    assert.equal(ns.code, 2);
    assert.match(ns.stderr, /--namespace 'Flux_System' is not a valid namespace name/);
    const bool = await runTide(['install', '--export', '--network-policy=maybe']);
    assert.equal(bool.code, 2);
    assert.match(bool.stderr, /expected true or false, got 'maybe'/);
  });
});

describe('generateManifests', () => {
  const defaults = defaultInstallOptions('1.2.3');
  const objects = generateManifests(defaults);

  it('labels every object with part-of, instance and version', () => {
    for (const obj of objects) {
      const labels = obj.metadata.labels ?? {};
      assert.equal(labels[PART_OF_LABEL], 'tide', `${obj.kind}/${obj.metadata.name} part-of`);
      assert.equal(labels[INSTANCE_LABEL], 'flux-system', `${obj.kind}/${obj.metadata.name} instance`);
      assert.equal(labels[VERSION_LABEL], '1.2.3', `${obj.kind}/${obj.metadata.name} version`);
    }
  });

  it('puts namespaced objects in the namespace and suffixes cluster-scoped RBAC with it', () => {
    const other = generateManifests({ ...defaults, namespace: 'tenant-a' });
    for (const obj of other) {
      const res = resourceOfKind(obj.kind);
      if (res.namespaced)
        assert.equal(obj.metadata.namespace, 'tenant-a', `${obj.kind}/${obj.metadata.name}`);
      else
        assert.equal(obj.metadata.namespace, undefined, `${obj.kind}/${obj.metadata.name} is cluster-scoped`);
      if (obj.kind === 'ClusterRole' || obj.kind === 'ClusterRoleBinding') {
        assert.match(obj.metadata.name, /-tenant-a$/);
      }
    }
    const reconciler = byKind(other, 'ClusterRoleBinding').find(
      (b) => b.metadata.name === 'cluster-reconciler-tenant-a',
    );
    assert.deepEqual(reconciler?.['subjects'], [
      { kind: 'ServiceAccount', name: 'kustomize-controller', namespace: 'tenant-a' },
    ]);
  });

  it('carries the CRDs of the selected components, with the generated schemas', () => {
    const crds = byKind(objects, 'CustomResourceDefinition');
    assert.deepEqual(
      crds.map((c) => c.metadata.name),
      crdNamesOf(['source-controller', 'kustomize-controller']),
    );
    for (const crd of crds) {
      const kind = allKinds.find((k) => `${k.plural}.${k.group}` === crd.metadata.name);
      assert.ok(kind !== undefined, `${crd.metadata.name} is a Tide kind`);
      assert.deepEqual(crd.spec, toCrd(kind)['spec'], `${crd.metadata.name} spec is the generated one`);
    }
    const sourceOnly = generateManifests({ ...defaults, components: ['source-controller'] });
    const names = byKind(sourceOnly, 'CustomResourceDefinition').map((c) => c.metadata.name);
    assert.ok(
      !names.includes('kustomizations.kustomize.toolkit.fluxcd.io'),
      'no Kustomization CRD without its controller',
    );
    assert.ok(
      names.includes('artifactgenerators.source.extensions.fluxcd.io'),
      'the source controller runs ArtifactGenerator',
    );
    assert.equal(byKind(sourceOnly, 'Deployment').length, 1);
    assert.ok(
      !byKind(sourceOnly, 'ClusterRoleBinding').some((b) => b.metadata.name.startsWith('cluster-reconciler')),
      'cluster-admin only for the kustomize controller',
    );
  });

  it("runs every controller as a locked-down non-root container with Flux's flags", () => {
    const deployments = byKind(objects, 'Deployment');
    assert.deepEqual(
      deployments.map((d) => d.metadata.name),
      ['source-controller', 'kustomize-controller'],
    );
    for (const d of deployments) {
      const pod = podOf(d);
      const c = containerOf(d);
      assert.equal(c.image, 'ghcr.io/tide-gitops/tide:v1.2.3');
      assert.deepEqual(c.securityContext, {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      assert.equal(pod.spec.securityContext['runAsUser'], 65532);
      assert.ok(
        pod.spec.volumes.some((v) => v.name === 'tmp'),
        `${d.metadata.name} has a writable /tmp`,
      );
      assert.deepEqual(c.args.slice(0, 2), [
        'controller',
        `--controllers=${d.metadata.name.replace('-controller', '')}`,
      ]);
      assert.ok(c.args.includes('--watch-all-namespaces=true'), 'watch all namespaces by default');
    }
    const source = deployments[0];
    assert.ok(source !== undefined, 'source-controller Deployment');
    assert.ok(
      containerOf(source).args.includes(
        '--storage-adv-addr=source-controller.$(RUNTIME_NAMESPACE).svc.cluster.local.',
      ),
      'artifact URLs name the Service',
    );
    const service = byKind(objects, 'Service')[0];
    assert.deepEqual((service?.spec as { ports: unknown }).ports, [
      { name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' },
    ]);
  });

  it('applies the options to the pods', () => {
    const custom = generateManifests({
      ...defaults,
      image: 'registry.example.com/tide@sha256:abc',
      imagePullSecret: 'regcred',
      tolerationKeys: ['dedicated'],
      watchAllNamespaces: false,
      logLevel: 'error',
      networkPolicy: false,
      clusterDomain: 'corp.internal',
    });
    for (const d of byKind(custom, 'Deployment')) {
      const c = containerOf(d);
      assert.equal(c.image, 'registry.example.com/tide@sha256:abc');
      assert.ok(c.args.includes('--watch-all-namespaces=false'), 'watch one namespace');
      assert.ok(c.args.includes('--log-level=error'), 'log level');
      assert.deepEqual(podOf(d).spec.imagePullSecrets, [{ name: 'regcred' }]);
      assert.deepEqual(podOf(d).spec.tolerations, [{ key: 'dedicated', operator: 'Exists' }]);
    }
    assert.equal(byKind(custom, 'NetworkPolicy').length, 0);
    assert.equal(byKind(objects, 'NetworkPolicy').length, 2);
    const source = byKind(custom, 'Deployment')[0];
    assert.ok(source !== undefined, 'source-controller Deployment');
    assert.ok(
      containerOf(source).args.includes(
        '--storage-adv-addr=source-controller.$(RUNTIME_NAMESPACE).svc.corp.internal.',
      ),
      'cluster domain in artifact URLs',
    );
  });
});

describe('validateInstallOptions', () => {
  const defaults = defaultInstallOptions('1.2.3');
  const cases: [string, Partial<InstallOptions>, RegExp | undefined][] = [
    ['defaults', {}, undefined],
    ['upper-case namespace', { namespace: 'Flux' }, /--namespace 'Flux'/],
    ['long namespace', { namespace: 'a'.repeat(64) }, /at most 63/],
    ['cluster domain', { clusterDomain: 'bad_domain' }, /--cluster-domain 'bad_domain'/],
    ['image with a space', { image: 'ghcr.io/x/tide v1' }, /--image/],
    ['registry with a scheme', { registry: 'https://ghcr.io/x' }, /--registry/],
    ['toleration key', { tolerationKeys: ['bad key'] }, /--toleration-keys: 'bad key'/],
    ['prefixed toleration key', { tolerationKeys: ['node.kubernetes.io/not-ready'] }, undefined],
    ['pull secret', { imagePullSecret: 'Reg_Cred' }, /--image-pull-secret/],
  ];
  for (const [name, change, expected] of cases) {
    it(name, () => {
      const problems = validateInstallOptions({ ...defaults, ...change });
      if (expected === undefined) assert.deepEqual(problems, []);
      else
        assert.ok(
          problems.some((p) => expected.test(p)),
          `${expected.source} in ${JSON.stringify(problems)}`,
        );
    });
  }
});
