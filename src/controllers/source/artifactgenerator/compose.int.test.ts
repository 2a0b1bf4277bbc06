// ArtifactGenerator composition: one monorepo split into two ExternalArtifacts whose
// content is exactly the copied subtree; a commit touching one subtree changes only that
// artifact; an unchanged generator writes nothing.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Artifact } from '../../../api/meta/status.js';
import type { ExternalArtifact } from '../../../api/source/externalartifact.js';
import type { ArtifactGenerator } from '../../../api/sourceextensions/artifactgenerator.js';
import { eventually } from '../../../testenv/eventually.js';
import { ORIGIN_REVISION_KEY } from './names.js';
import { ArtifactGenerators } from './resources.js';
import {
  artifactFiles,
  artifactGenerator,
  condition,
  gitSource,
  readExternalArtifact,
  requireArtifact,
  startGeneratorHarness,
  waitGenerator,
  waitGitRevision,
  type GeneratorHarness,
} from './testdata/harness.js';

let h: GeneratorHarness;
before(async () => {
  h = await startGeneratorHarness();
});
after(async () => {
  await h.stop();
});

function splitGenerator(ns: string): ArtifactGenerator {
  return artifactGenerator(ns, 'split', {
    sources: [{ alias: 'repo', kind: 'GitRepository', name: 'mono' }],
    commonMetadata: { labels: { team: 'platform' }, annotations: { 'example.com/note': 'generated' } },
    artifacts: [
      { name: 'apps', originRevision: '@repo', copy: [{ from: '@repo/apps/**', to: '@artifact/' }] },
      { name: 'infra', revision: '@repo', copy: [{ from: '@repo/infrastructure/', to: '@artifact/' }] },
    ],
  });
}

const monorepo = {
  'apps/kustomization.yaml': 'resources:\n  - podinfo/deploy.yaml\n',
  'apps/podinfo/deploy.yaml': 'kind: Deployment\n',
  'infrastructure/ingress/nginx.yaml': 'kind: HelmRelease\n',
  'README.md': '# mono\n',
};

function assertOwnedBy(ea: ExternalArtifact, generator: ArtifactGenerator): void {
  const ns = generator.metadata.namespace ?? '';
  assert.deepEqual(ea.spec?.sourceRef, {
    apiVersion: 'source.extensions.fluxcd.io/v1beta1',
    kind: 'ArtifactGenerator',
    name: generator.metadata.name,
    namespace: ns,
  });
  const labels = ea.metadata.labels ?? {};
  assert.equal(labels['source.extensions.fluxcd.io/generator'], generator.metadata.name);
  assert.equal(labels['team'], 'platform', 'commonMetadata labels');
  assert.equal(ea.metadata.annotations?.['example.com/note'], 'generated', 'commonMetadata annotations');
  assert.deepEqual(
    ea.metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid, o.controller]),
    [['ArtifactGenerator', generator.metadata.name, generator.metadata.uid, true]],
  );
  assert.equal(condition(ea, 'Ready')?.status, 'True');
  assert.equal(condition(ea, 'Ready')?.reason, 'Succeeded');
}

function inventoryEntry(ns: string, name: string, artifact: Artifact): Record<string, unknown> {
  return { name, namespace: ns, digest: artifact.digest, filename: path.basename(artifact.path) };
}

describe('ArtifactGenerator composition', () => {
  it('splits a monorepo into apps and infra with exactly the copied subtrees', async (t) => {
    const ns = await h.env.createNamespace(t);
    const { revision } = await gitSource(h, ns, 'mono', monorepo);
    await h.client.create(ArtifactGenerators, splitGenerator(ns));
    const generator = await waitGenerator(h.client, ns, 'split');

    const apps = await requireArtifact(h.client, ns, 'apps');
    const infra = await requireArtifact(h.client, ns, 'infra');
    assert.deepEqual(await artifactFiles(apps.artifact), {
      'kustomization.yaml': monorepo['apps/kustomization.yaml'],
      'podinfo/deploy.yaml': monorepo['apps/podinfo/deploy.yaml'],
    });
    assert.deepEqual(await artifactFiles(infra.artifact), {
      'infrastructure/ingress/nginx.yaml': monorepo['infrastructure/ingress/nginx.yaml'],
    });
    assert.equal(
      apps.artifact.revision,
      `latest@${apps.artifact.digest ?? ''}`,
      'content revision by default',
    );
    assert.match(apps.artifact.revision, /^latest@sha256:[0-9a-f]{64}$/);
    assert.equal(apps.artifact.metadata?.[ORIGIN_REVISION_KEY], revision, 'originRevision from @repo');
    assert.equal(infra.artifact.revision, revision, 'revision from @repo');
    assert.equal(infra.artifact.metadata, undefined);
    assertOwnedBy(apps.ea, generator);
    assertOwnedBy(infra.ea, generator);
    assert.deepEqual(generator.status?.inventory, [
      inventoryEntry(ns, 'apps', apps.artifact),
      inventoryEntry(ns, 'infra', infra.artifact),
    ]);
    assert.match(generator.status.observedSourcesDigest ?? '', /^sha256:[0-9a-f]{64}$/);
  });

  it('rebuilds only the artifact whose subtree a commit changed', async (t) => {
    const ns = await h.env.createNamespace(t);
    const { repo } = await gitSource(h, ns, 'mono', monorepo);
    await h.client.create(ArtifactGenerators, splitGenerator(ns));
    await waitGenerator(h.client, ns, 'split');
    const apps = await requireArtifact(h.client, ns, 'apps');
    const infra = await requireArtifact(h.client, ns, 'infra');

    const commit = await repo.commit({
      'apps/podinfo/deploy.yaml': 'kind: Deployment\nspec: {replicas: 2}\n',
    });
    await waitGitRevision(h.client, ns, 'mono', commit);
    const newApps = await eventually(
      async () => {
        const current = await requireArtifact(h.client, ns, 'apps');
        if (current.artifact.digest === apps.artifact.digest) throw new Error('apps not rebuilt yet');
        return current;
      },
      { timeoutMs: 60_000 },
    );
    assert.equal(newApps.artifact.metadata?.[ORIGIN_REVISION_KEY], `main@sha1:${commit}`);
    const files = await artifactFiles(newApps.artifact);
    assert.equal(files['podinfo/deploy.yaml'], 'kind: Deployment\nspec: {replicas: 2}\n');
    await waitGenerator(h.client, ns, 'split', 'True', (g) => {
      assert.deepEqual(
        g.status?.inventory?.[0],
        inventoryEntry(ns, 'apps', newApps.artifact),
        'inventory updated',
      );
    });
    const newInfra = await requireArtifact(h.client, ns, 'infra');
    assert.equal(newInfra.artifact.digest, infra.artifact.digest, 'infra content unchanged');
    assert.equal(newInfra.artifact.revision, `main@sha1:${commit}`, 'infra follows the @repo revision');
  });

  it('writes nothing when a reconcile finds sources and spec unchanged', async (t) => {
    const ns = await h.env.createNamespace(t);
    await gitSource(h, ns, 'steady', { 'a/x.yaml': 'x: 1\n' });
    await h.client.create(
      ArtifactGenerators,
      artifactGenerator(ns, 'steady', {
        sources: [{ alias: 'src', kind: 'GitRepository', name: 'steady' }],
        artifacts: [{ name: 'steady-a', copy: [{ from: '@src/a/*.yaml', to: '@artifact/' }] }],
      }),
    );
    await waitGenerator(h.client, ns, 'steady');
    const before = await readExternalArtifact(h.client, ns, 'steady-a');
    const token = new Date().toISOString();
    await h.client.patch(
      ArtifactGenerators,
      { name: 'steady', namespace: ns },
      {
        metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } },
      },
    );
    const handled = await eventually(async () => {
      const g = await h.client.get<ArtifactGenerator>(ArtifactGenerators, 'steady', ns);
      if (g.status?.lastHandledReconcileAt !== token) throw new Error('request not handled yet');
      return g;
    });
    assert.match(condition(handled, 'Ready')?.message ?? '', /no drift detected, 1 artifact/);
    const afterwards = await readExternalArtifact(h.client, ns, 'steady-a');
    assert.equal(
      afterwards?.metadata.resourceVersion,
      before?.metadata.resourceVersion,
      'ExternalArtifact not rewritten',
    );
    assert.deepEqual(afterwards?.status?.artifact, before?.status?.artifact);
  });
});
