import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cleanupPatch,
  isExcluded,
  isForceEnabled,
  isPruneDisabled,
  LAST_APPLIED_ANNOTATION,
  ownedBy,
  ssaPolicy,
  takeoverManagers,
} from './policies.js';

describe('object policies', () => {
  it('reads the ssa policy from annotations or labels, ignoring case', () => {
    const table: [Record<string, string> | undefined, Record<string, string> | undefined, string][] = [
      [undefined, undefined, 'Override'],
      [{ 'kustomize.toolkit.fluxcd.io/ssa': 'merge' }, undefined, 'Merge'],
      [undefined, { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' }, 'IfNotPresent'],
      [{ 'kustomize.toolkit.fluxcd.io/ssa': 'IGNORE' }, undefined, 'Ignore'],
      [{ 'kustomize.toolkit.fluxcd.io/ssa': 'whatever' }, undefined, 'Override'],
    ];
    for (const [annotations, labels, want] of table) {
      assert.equal(ssaPolicy({ annotations, labels }), want, JSON.stringify({ annotations, labels }));
    }
  });

  it('knows exclusions, force and prune opt-outs', () => {
    assert.equal(isExcluded({ labels: { 'kustomize.toolkit.fluxcd.io/reconcile': 'Disabled' } }), true);
    assert.equal(isExcluded({ annotations: { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' } }), true);
    assert.equal(isExcluded({ annotations: { 'kustomize.toolkit.fluxcd.io/ssa': 'Merge' } }), false);
    assert.equal(isExcluded(undefined), false);
    assert.equal(isForceEnabled({ annotations: { 'kustomize.toolkit.fluxcd.io/force': 'enabled' } }), true);
    assert.equal(isForceEnabled({ annotations: { 'kustomize.toolkit.fluxcd.io/force': 'true' } }), false);
    assert.equal(isPruneDisabled({ labels: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } }), true);
  });

  it('matches every owner label', () => {
    const owner = {
      'kustomize.toolkit.fluxcd.io/name': 'app',
      'kustomize.toolkit.fluxcd.io/namespace': 'flux',
    };
    assert.equal(ownedBy({ labels: { ...owner, extra: 'x' } }, owner), true);
    assert.equal(
      ownedBy({ labels: { ...owner, 'kustomize.toolkit.fluxcd.io/name': 'other' } }, owner),
      false,
    );
    assert.equal(ownedBy({ labels: { 'kustomize.toolkit.fluxcd.io/name': 'app' } }, owner), false);
    assert.equal(ownedBy({}, owner), false);
  });
});

describe('managed-fields cleanup', () => {
  const managers = takeoverManagers('kustomize-controller', ['old-tool']);
  const entry = (manager: string, operation: string, subresource?: string): Record<string, unknown> => ({
    manager,
    operation,
    apiVersion: 'v1',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:data': {} },
    ...(subresource === undefined ? {} : { subresource }),
  });

  it('hands kubectl, before-first-apply, legacy and override managers to the field manager', () => {
    const live = {
      annotations: { [LAST_APPLIED_ANNOTATION]: '{}', keep: 'x' },
      managedFields: [
        entry('kustomize-controller', 'Apply'),
        entry('kubectl-client-side-apply', 'Update'),
        entry('kubectl-edit', 'Update'),
        entry('kubectl', 'Apply'),
        entry('before-first-apply', 'Update'),
        entry('kustomize-controller', 'Update'),
        entry('old-tool', 'Apply'),
        entry('kube-controller-manager', 'Update'),
        entry('kubectl-edit', 'Update', 'status'),
        entry('helm', 'Update'),
      ],
    };
    const patch = cleanupPatch(live, {}, 'kustomize-controller', managers);
    assert.ok(patch !== undefined, 'a patch');
    const replace = patch.find((op) => op.op === 'replace');
    const next = (replace as { value: Record<string, unknown>[] }).value;
    assert.deepEqual(
      next.map(
        (e) => `${String(e.manager)}/${String(e.operation)}${e.subresource === undefined ? '' : '/status'}`,
      ),
      [
        'kustomize-controller/Apply',
        'kustomize-controller/Apply',
        'kustomize-controller/Apply',
        'kustomize-controller/Apply',
        'kustomize-controller/Apply',
        'kustomize-controller/Apply',
        'kustomize-controller/Apply',
        'kube-controller-manager/Update',
        'kubectl-edit/Update/status',
        'helm/Update',
      ],
    );
    assert.deepEqual(
      patch.find((op) => op.op === 'remove'),
      { op: 'remove', path: '/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration' },
    );
  });

  it('is not needed when only the field manager and other controllers manage the object', () => {
    const live = {
      managedFields: [entry('kustomize-controller', 'Apply'), entry('kube-controller-manager', 'Update')],
    };
    assert.equal(cleanupPatch(live, {}, 'kustomize-controller', managers), undefined);
  });

  it('keeps the last-applied annotation when the desired object sets it', () => {
    const live = { annotations: { [LAST_APPLIED_ANNOTATION]: '{}' }, managedFields: [] };
    assert.equal(
      cleanupPatch(
        live,
        { annotations: { [LAST_APPLIED_ANNOTATION]: '{}' } },
        'kustomize-controller',
        managers,
      ),
      undefined,
    );
  });
});
