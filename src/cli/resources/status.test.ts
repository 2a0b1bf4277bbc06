import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Condition } from '../../api/meta/status.js';
import type { KubeObject } from '../../api/object.js';
import { outcomeMessage, readiness, sourceRefOf, summarizeStatus } from './status.js';

const cond = (
  type: string,
  status: Condition['status'],
  reason: string,
  message: string,
  gen?: number,
): Condition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: '2026-01-10T12:00:00Z',
  ...(gen === undefined ? {} : { observedGeneration: gen }),
});

function ks(generation: number, status: Record<string, unknown> | undefined): KubeObject {
  return {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'app', namespace: 'flux-system', generation },
    spec: { sourceRef: { kind: 'GitRepository', name: 'repo' } },
    ...(status === undefined ? {} : { status }),
  };
}

describe('readiness', () => {
  const cases: { name: string; obj: KubeObject; want: string; message?: RegExp }[] = [
    {
      name: 'no status yet',
      obj: ks(1, undefined),
      want: 'progressing',
      message: /waiting to be reconciled/,
    },
    {
      name: 'Ready=True for the generation',
      obj: ks(2, {
        observedGeneration: 2,
        conditions: [cond('Ready', 'True', 'ReconciliationSucceeded', 'Applied revision: x', 2)],
      }),
      want: 'ready',
    },
    {
      name: 'Ready=True for an older generation',
      obj: ks(3, {
        observedGeneration: 2,
        conditions: [cond('Ready', 'True', 'ReconciliationSucceeded', 'ok', 2)],
      }),
      want: 'progressing',
      message: /generation 3/,
    },
    {
      name: 'Ready=False with a failure reason for the generation (observedGeneration not advanced)',
      obj: ks(3, {
        observedGeneration: -1,
        conditions: [
          cond('Ready', 'False', 'BuildFailed', 'kustomize build failed: missing file', 3),
          cond('Reconciling', 'True', 'ProgressingWithRetry', 'retrying', 3),
        ],
      }),
      want: 'failed',
      message: /kustomize build failed/,
    },
    {
      name: 'Ready=False while waiting for a dependency',
      obj: ks(1, {
        conditions: [cond('Ready', 'False', 'DependencyNotReady', "dependency 'a' is not ready", 1)],
      }),
      want: 'progressing',
    },
    {
      name: 'Ready=Unknown while reconciling',
      obj: ks(1, { conditions: [cond('Ready', 'Unknown', 'Progressing', 'reconciliation in progress', 1)] }),
      want: 'progressing',
    },
    {
      name: 'Stalled for the generation',
      obj: ks(1, {
        observedGeneration: 1,
        conditions: [
          cond('Ready', 'False', 'AccessDenied', 'cross-namespace references are not allowed', 1),
          cond('Stalled', 'True', 'AccessDenied', 'cross-namespace references are not allowed', 1),
        ],
      }),
      want: 'failed',
    },
    {
      name: 'a kind without status (Alert) is never waited for',
      obj: { apiVersion: 'notification.toolkit.fluxcd.io/v1beta3', kind: 'Alert', metadata: { name: 'a' } },
      want: 'ready',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = readiness(c.obj);
      assert.equal(r.state, c.want, r.message);
      if (c.message !== undefined) assert.match(r.message, c.message);
    });
  }
});

describe('summarizeStatus and outcomeMessage', () => {
  it('reads the applied revision of a Kustomization and says so', () => {
    const obj = ks(1, {
      lastAppliedRevision: 'main@sha1:abc',
      conditions: [cond('Ready', 'True', 'ReconciliationSucceeded', 'Applied revision: main@sha1:abc', 1)],
    });
    assert.deepEqual(summarizeStatus(obj), {
      revision: 'main@sha1:abc',
      suspended: false,
      ready: 'True',
      message: 'Applied revision: main@sha1:abc',
    });
    assert.equal(outcomeMessage(obj), 'applied revision main@sha1:abc');
  });

  it('says fetched revision for a source, with a colon as create prints it', () => {
    const repo: KubeObject = {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'r' },
      status: { artifact: { revision: 'main@sha1:def' } },
    };
    assert.equal(outcomeMessage(repo, { colon: true }), 'fetched revision: main@sha1:def');
    assert.equal(outcomeMessage(repo), 'fetched revision main@sha1:def');
  });

  it('finds the source of a Kustomization in its own namespace unless named', () => {
    assert.deepEqual(sourceRefOf(ks(1, undefined)), {
      kind: 'GitRepository',
      name: 'repo',
      namespace: 'flux-system',
    });
  });
});
