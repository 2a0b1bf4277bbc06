import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goDuration, recordHistory } from './history.js';

const at = (s: number): Date => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

test('goDuration prints Go duration strings', () => {
  for (const [ms, want] of [
    [0, '0s'],
    [850, '850ms'],
    [1500, '1.5s'],
    [123_250, '2m3.25s'],
    [3_600_000, '1h0m0s'],
  ] as const) {
    assert.equal(goDuration(ms), want);
  }
});

test('history dedupes by digest and status, newest first, five at most', () => {
  let h = recordHistory(undefined, {
    digest: 'sha256:a',
    status: 'ReconciliationSucceeded',
    at: at(1),
    durationMs: 10,
    metadata: { revision: 'r1' },
  });
  h = recordHistory(h, {
    digest: 'sha256:a',
    status: 'ReconciliationSucceeded',
    at: at(2),
    durationMs: 20,
    metadata: { revision: 'r1' },
  });
  assert.equal(h.length, 1);
  assert.equal(h[0]?.totalReconciliations, 2);
  assert.equal(h[0].firstReconciled, '2026-01-01T00:00:01Z');
  assert.equal(h[0].lastReconciled, '2026-01-01T00:00:02Z');
  h = recordHistory(h, {
    digest: 'sha256:a',
    status: 'HealthCheckFailed',
    at: at(3),
    durationMs: 5,
    metadata: {},
  });
  assert.deepEqual(
    h.map((s) => s.lastReconciledStatus),
    ['HealthCheckFailed', 'ReconciliationSucceeded'],
  );
  h = recordHistory(h, {
    digest: 'sha256:a',
    status: 'ReconciliationSucceeded',
    at: at(4),
    durationMs: 5,
    metadata: {},
  });
  assert.deepEqual(
    h.map((s) => s.lastReconciledStatus),
    ['ReconciliationSucceeded', 'HealthCheckFailed'],
  );
  for (let i = 0; i < 10; i++) {
    h = recordHistory(h, {
      digest: `sha256:${i}`,
      status: 'ReconciliationSucceeded',
      at: at(10 + i),
      durationMs: 1,
      metadata: {},
    });
  }
  assert.equal(h.length, 5);
  assert.equal(h[0]?.digest, 'sha256:9');
});
