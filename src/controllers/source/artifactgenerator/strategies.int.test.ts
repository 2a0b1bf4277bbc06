// Copy strategies end to end: Merge layers a values file over a chart's values.yaml,
// Extract unpacks a chart tarball, exclude globs drop files; and a generator can read
// another generator's ExternalArtifact.
import assert from 'node:assert/strict';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { tarDirectory } from '../../../artifact/archive.js';
import { ArtifactGenerators } from './resources.js';
import {
  artifactFiles,
  artifactGenerator,
  gitSource,
  readExternalArtifact,
  startGeneratorHarness,
  waitGenerator,
  type GeneratorHarness,
} from './testdata/harness.js';

const chartDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata', 'chart');

let h: GeneratorHarness;
before(async () => {
  h = await startGeneratorHarness();
});
after(async () => {
  await h.stop();
});

describe('ArtifactGenerator copy strategies', () => {
  it('extracts a chart tarball, merges prod values into it and excludes files by glob', async (t) => {
    const ns = await h.env.createNamespace(t);
    const tgz = await buffer(Readable.from(tarDirectory(chartDir)).pipe(createGzip()));
    await gitSource(h, ns, 'charts', {
      'packages/podinfo-6.7.0.tgz': tgz,
      'packages/index.md': '# charts\n',
    });
    await gitSource(h, ns, 'config', {
      'podinfo/values-prod.yaml':
        'replicaCount: 3\nimage:\n  tag: 6.7.1\ningress:\n  hosts:\n    - podinfo.example.com\n',
      'podinfo/extra/configmap.yaml': 'kind: ConfigMap\n',
      'podinfo/extra/NOTES.md': 'notes\n',
      'podinfo/extra/testdata/fixture.yaml': 'kind: Secret\n',
    });
    await h.client.create(
      ArtifactGenerators,
      artifactGenerator(ns, 'podinfo', {
        sources: [
          { alias: 'charts', kind: 'GitRepository', name: 'charts' },
          { alias: 'config', kind: 'GitRepository', name: 'config' },
        ],
        artifacts: [
          {
            name: 'podinfo-prod',
            copy: [
              { from: '@charts/packages/*', to: '@artifact/', strategy: 'Extract' },
              {
                from: '@config/podinfo/values-prod.yaml',
                to: '@artifact/podinfo/values.yaml',
                strategy: 'Merge',
              },
              {
                from: '@config/podinfo/extra/**',
                to: '@artifact/podinfo/templates/',
                exclude: ['*.md', '**/testdata/**'],
              },
            ],
          },
        ],
      }),
    );
    await waitGenerator(h.client, ns, 'podinfo');
    const files = await artifactFiles(
      (await readExternalArtifact(h.client, ns, 'podinfo-prod'))?.status?.artifact,
    );
    assert.deepEqual(Object.keys(files), [
      'podinfo/Chart.yaml',
      'podinfo/templates/configmap.yaml',
      'podinfo/templates/deployment.yaml',
      'podinfo/values.yaml',
    ]);
    assert.deepEqual(parse(files['podinfo/values.yaml'] ?? ''), {
      replicaCount: 3,
      image: { repository: 'ghcr.io/stefanprodan/podinfo', tag: '6.7.1' },
      ingress: { enabled: false, hosts: ['podinfo.example.com'] },
    });
  });

  it('reads another generator’s ExternalArtifact as a source', async (t) => {
    const ns = await h.env.createNamespace(t);
    await gitSource(h, ns, 'base', {
      'deploy/app.yaml': 'kind: Deployment\n',
      'deploy/svc.yaml': 'kind: Service\n',
    });
    await h.client.create(
      ArtifactGenerators,
      artifactGenerator(ns, 'first', {
        sources: [{ alias: 'base', kind: 'GitRepository', name: 'base' }],
        artifacts: [{ name: 'stage-one', copy: [{ from: '@base/deploy/**', to: '@artifact/' }] }],
      }),
    );
    await h.client.create(
      ArtifactGenerators,
      artifactGenerator(ns, 'second', {
        sources: [{ alias: 'one', kind: 'ExternalArtifact', name: 'stage-one' }],
        artifacts: [
          { name: 'stage-two', originRevision: '@one', copy: [{ from: '@one/svc.yaml', to: '@artifact/' }] },
        ],
      }),
    );
    await waitGenerator(h.client, ns, 'second');
    const two = await readExternalArtifact(h.client, ns, 'stage-two');
    assert.deepEqual(await artifactFiles(two?.status?.artifact), { 'svc.yaml': 'kind: Service\n' });
    const one = await readExternalArtifact(h.client, ns, 'stage-one');
    assert.equal(
      two?.status?.artifact?.metadata?.['org.opencontainers.image.revision'],
      one?.status?.artifact?.revision,
      'origin of an ExternalArtifact without origin metadata is its revision',
    );
  });
});
