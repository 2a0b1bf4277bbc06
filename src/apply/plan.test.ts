import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import type { DiscoverySnapshot } from '../runtime/client/discovery.js';
import { ApplyError } from './errors.js';
import { combineErrors, kindsDefinedBy, noMatchMessage } from './plan.js';
import { notReadyReason } from './wait.js';

describe('apply plan', () => {
  it('knows the kinds, versions and scope CRDs of the set define', () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Cluster',
        names: { kind: 'Widget' },
        versions: [
          { name: 'v1', served: true },
          { name: 'v1beta1', served: false },
        ],
      },
    } as KubeObject;
    const other = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } as KubeObject;
    assert.deepEqual([...kindsDefinedBy([crd, other])], [['example.com/v1/Widget', { namespaced: false }]]);
  });

  it('says which versions are served when only the version is unknown', () => {
    const snapshot: DiscoverySnapshot = {
      gitVersion: 'v1.36.0',
      groupVersions: ['example.com/v1'],
      resources: [
        {
          group: 'example.com',
          version: 'v1',
          plural: 'widgets',
          kind: 'Widget',
          namespaced: true,
          verbs: [],
          preferred: true,
        },
      ],
    };
    assert.equal(
      noMatchMessage('Widget/ns/w', { group: 'example.com', version: 'v2', kind: 'Widget' }, snapshot),
      'Widget/ns/w: no matches for kind Widget in group example.com version v2 (served: v1): ' +
        'install its CRD first or add it to this source',
    );
    assert.equal(
      noMatchMessage('Gadget/g', { group: '', version: 'v1', kind: 'Gadget' }, snapshot),
      'Gadget/g: no matches for kind Gadget in group core: install its CRD first or add it to this source',
    );
  });

  it('reports the first error with the others listed', () => {
    const errors = Array.from(
      { length: 12 },
      (_, i) => new ApplyError('Invalid', `ConfigMap/ns/c${i}`, `ConfigMap/ns/c${i}: bad`, { field: 'data' }),
    );
    const one = combineErrors(errors.slice(0, 1));
    assert.equal(one, errors[0]);
    const all = combineErrors(errors);
    assert.equal(all.subject, 'ConfigMap/ns/c0');
    assert.equal(all.field, 'data');
    assert.equal(all.reason, 'Invalid');
    const lines = all.message.split('\n');
    assert.equal(lines.length, 11);
    assert.equal(lines[0], 'ConfigMap/ns/c0: bad');
    assert.equal(lines[9], 'ConfigMap/ns/c9: bad');
    assert.equal(lines[10], 'and 2 more objects failed');
  });
});

describe('stage readiness', () => {
  const crd = (conditions: unknown[]): KubeObject => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'x' },
    status: { conditions },
  });
  it('waits for CRDs Established and Namespaces Active, nothing else', () => {
    assert.equal(notReadyReason(crd([{ type: 'Established', status: 'True' }])), undefined);
    assert.equal(notReadyReason(crd([])), 'not Established yet');
    assert.equal(
      notReadyReason(
        crd([{ type: 'NamesAccepted', status: 'False', message: 'kind Widget is already in use' }]),
      ),
      'names not accepted: kind Widget is already in use',
    );
    const ns = (phase?: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'n' },
      status: { phase },
    });
    assert.equal(notReadyReason(ns('Active')), undefined);
    assert.equal(notReadyReason(ns('Terminating')), 'phase is Terminating, not Active');
    assert.equal(
      notReadyReason({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 's' } }),
      undefined,
    );
  });
});
