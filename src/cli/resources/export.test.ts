import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/object.js';
import { credentialSecretNames, exportObject } from './export.js';
import { yamlDocuments } from './manifest-yaml.js';

const live = {
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'GitRepository',
  metadata: {
    name: 'podinfo',
    namespace: 'flux-system',
    uid: '1b2c',
    resourceVersion: '812',
    generation: 3,
    creationTimestamp: '2026-01-10T11:00:00Z',
    finalizers: ['finalizers.fluxcd.io'],
    managedFields: [{ manager: 'tide' }],
    labels: { app: 'podinfo', 'kustomize.toolkit.fluxcd.io/name': 'flux-system' },
    annotations: {
      'reconcile.fluxcd.io/requestedAt': '2026-01-10T11:59:00Z',
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
      team: 'a',
    },
  },
  spec: {
    url: 'https://example.com/r',
    interval: '1m',
    secretRef: { name: 'auth' },
    proxySecretRef: { name: 'proxy' },
  },
  status: { observedGeneration: 3 },
} as KubeObject;

describe('exportObject', () => {
  it('keeps what belongs in Git and nothing the server, kubectl or the controllers added', () => {
    assert.deepEqual(exportObject(live), {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: {
        name: 'podinfo',
        namespace: 'flux-system',
        labels: { app: 'podinfo' },
        annotations: { team: 'a' },
      },
      spec: live.spec,
    });
  });

  it('exports Secrets by their data and type', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'auth', namespace: 'flux-system', uid: 'x' },
      type: 'Opaque',
      data: { password: 'cHc=' },
    } as KubeObject;
    assert.deepEqual(exportObject(secret), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'auth', namespace: 'flux-system' },
      type: 'Opaque',
      data: { password: 'cHc=' },
    });
  });

  it('names the credential Secrets a source references', () => {
    assert.deepEqual(credentialSecretNames(live), ['auth', 'proxy']);
  });

  it('prints documents like the flux CLI: --- before each, keys sorted', () => {
    assert.equal(
      yamlDocuments([{ kind: 'A', apiVersion: 'v1', spec: { b: 1, a: [{ y: 1, x: 2 }] } }, { kind: 'B' }]),
      '---\napiVersion: v1\nkind: A\nspec:\n  a:\n  - x: 2\n    y: 1\n  b: 1\n---\nkind: B\n',
    );
  });
});
