import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChangeSetEntry } from './change-set.js';
import { changeSetSummary } from './change-set.js';
import { inventoryOf, staleRefs } from './inventory.js';

const entry = (id: string, action: ChangeSetEntry['action'], version = 'v1'): ChangeSetEntry => ({
  id,
  version,
  subject: id,
  action,
});

describe('inventory', () => {
  it('keeps apply order, drops deleted entries and repeats', () => {
    const inv = inventoryOf([
      entry('_ns__Namespace', 'created'),
      entry('ns_a__ConfigMap', 'unchanged'),
      entry('ns_gone__ConfigMap', 'deleted'),
      entry('ns_web_apps_Deployment', 'skipped'),
      entry('ns_a__ConfigMap', 'configured', 'v2'),
    ]);
    assert.deepEqual(inv.entries, [
      { id: '_ns__Namespace', v: 'v1' },
      { id: 'ns_a__ConfigMap', v: 'v1' },
      { id: 'ns_web_apps_Deployment', v: 'v1' },
    ]);
  });

  it('stale = old minus new by id, keeping the old version', () => {
    const old = {
      entries: [
        { id: 'ns_a__ConfigMap', v: 'v1' },
        { id: 'ns_w_example.com_Widget', v: 'v1alpha1' },
        { id: 'ns_b__ConfigMap', v: 'v1' },
      ],
    };
    const next = {
      entries: [
        { id: 'ns_a__ConfigMap', v: 'v1' },
        { id: 'ns_w_example.com_Widget', v: 'v1' },
      ],
    };
    assert.deepEqual(staleRefs(old, next), [{ id: 'ns_b__ConfigMap', v: 'v1' }]);
    assert.deepEqual(staleRefs(undefined, next), []);
    assert.deepEqual(staleRefs(old, { entries: [] }), old.entries);
  });

  it('summarizes changes only', () => {
    const summary = changeSetSummary([
      { id: 'x', version: 'v1', subject: 'Namespace/app', action: 'created' },
      { id: 'y', version: 'v1', subject: 'ConfigMap/app/a', action: 'unchanged' },
      { id: 'z', version: 'v1', subject: 'Deployment/app/web', action: 'configured' },
      { id: 'w', version: 'v1', subject: 'Secret/app/s', action: 'skipped' },
      { id: 'v', version: 'v1', subject: 'Service/app/old', action: 'deleted' },
    ]);
    assert.equal(summary, 'Namespace/app created\nDeployment/app/web configured\nService/app/old deleted');
    assert.equal(changeSetSummary([]), '');
  });
});
