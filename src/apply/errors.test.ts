import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../runtime/client/errors.js';
import { ApplyError, reasonOf, toApplyError } from './errors.js';
import { immutableField } from './immutable.js';
import { noMask } from './mask.js';

// Texts as kube-apiserver 1.36 answers them.
const deploymentSelector =
  'Deployment.apps "web" is invalid: spec.selector: Invalid value: {"matchLabels":{"app":"b"}}: field is immutable';
const serviceClusterIP =
  'Service "svc" is invalid: spec.clusterIPs[0]: Invalid value: ["None"]: may not change once set';
const statefulSet =
  "StatefulSet.apps \"st\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";
const immutableSecret = 'Secret "im" is invalid: data: Forbidden: field is immutable when `immutable` is set';
const several =
  'Service "svc" is invalid: [spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, spec.clusterIPs[0]: Invalid value: ["None"]: may not change once set]';
const celRule = 'Widget.example.com "w" is invalid: spec.size: Invalid value: "string": Value is immutable';
const notImmutable =
  'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters';

describe('immutable-field errors', () => {
  const table: [string, string | undefined][] = [
    [deploymentSelector, 'spec.selector'],
    [serviceClusterIP, 'spec.clusterIPs[0]'],
    [statefulSet, 'spec'],
    [immutableSecret, 'data'],
    [several, 'spec.clusterIPs[0]'],
    [celRule, 'spec.size'],
    [notImmutable, undefined],
    ['admission webhook "x" denied the request: this field is immutable', ''],
  ];
  for (const [text, field] of table) {
    it(`finds ${String(field)} in ${text.slice(0, 40)}...`, () => {
      assert.equal(immutableField(text), field);
    });
  }
});

const apiError = (status: number, reason: string, text: string): ApiError =>
  new ApiError(status, reason, `PATCH /apis/apps/v1/namespaces/ns/deployments/web: ${text}`);

describe('apply errors', () => {
  it('classifies API answers and connection failures', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const table: [unknown, string][] = [
      [apiError(422, 'Invalid', deploymentSelector), 'Immutable'],
      [apiError(422, 'Invalid', notImmutable), 'Invalid'],
      [apiError(403, 'Forbidden', 'forbidden'), 'Forbidden'],
      [apiError(404, 'NotFound', 'namespaces "x" not found'), 'NotFound'],
      [apiError(409, 'Conflict', 'conflict'), 'Conflict'],
      [apiError(503, 'ServiceUnavailable', 'unavailable'), 'Unavailable'],
      [
        apiError(500, 'InternalError', 'Internal error occurred: etcdserver: request timed out'),
        'Unavailable',
      ],
      [
        apiError(
          500,
          '',
          'failed to convert new object (ns/s; /v1, Kind=Secret) to proper version: error decoding from json: illegal base64 data',
        ),
        'Invalid',
      ],
      [apiError(429, 'TooManyRequests', 'slow down'), 'Unavailable'],
      [reset, 'Unavailable'],
      [new Error('socket hang up'), 'Unavailable'],
      [new Error('something else'), 'Failed'],
    ];
    for (const [err, reason] of table) assert.equal(reasonOf(err), reason, String(err));
  });

  it('names the object and the immutable field, and says how to recreate', () => {
    const err = toApplyError(
      apiError(422, 'Invalid', deploymentSelector),
      'Deployment/ns/web',
      'dry-run failed',
      noMask,
    );
    assert.ok(err instanceof ApplyError, 'an ApplyError');
    assert.equal(err.reason, 'Immutable');
    assert.equal(err.field, 'spec.selector');
    assert.equal(
      err.message,
      'Deployment/ns/web: field spec.selector is immutable; set spec.force: true on the Kustomization or ' +
        'annotate the object kustomize.toolkit.fluxcd.io/force: Enabled to recreate it',
    );
  });

  it('keeps the server text without the request path, sanitized', () => {
    const err = toApplyError(
      apiError(422, 'Invalid', 'admission webhook denied: see https://user:pw@hooks.example/x?token=abc'),
      'ConfigMap/ns/a',
      'dry-run failed',
      noMask,
    );
    assert.equal(
      err.message,
      'ConfigMap/ns/a dry-run failed (Invalid): admission webhook denied: see https://hooks.example/x',
    );
    const invalid = toApplyError(
      apiError(422, 'Invalid', notImmutable),
      'ConfigMap/ns/Bad_Name',
      'dry-run failed',
      noMask,
    );
    assert.equal(invalid.field, 'metadata.name');
  });

  it('says the API server is unavailable on connection failures', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const err = toApplyError(reset, 'ConfigMap/ns/a', 'apply failed', noMask);
    assert.equal(err.reason, 'Unavailable');
    assert.equal(err.message, 'ConfigMap/ns/a apply failed: the API server is unavailable: read ECONNRESET');
  });
});
