import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Conditions, summarize } from './conditions.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:05:00Z');

describe('Conditions', () => {
  it('keeps lastTransitionTime while the status stays, and moves it when it changes', () => {
    let now = t0;
    const c = new Conditions([], 3, () => now);
    c.markTrue('Ready', 'Succeeded', 'ok');
    now = t1;
    c.markTrue('Ready', 'Succeeded', 'still ok');
    assert.equal(c.get('Ready')?.lastTransitionTime, '2026-01-01T00:00:00Z');
    assert.equal(c.get('Ready')?.message, 'still ok');
    c.markFalse('Ready', 'Failed', 'broken');
    assert.equal(c.get('Ready')?.lastTransitionTime, '2026-01-01T00:05:00Z');
    assert.equal(c.get('Ready')?.observedGeneration, 3);
  });

  it('drops negative-polarity conditions that are not True from the list', () => {
    const c = new Conditions([], 1, () => t0);
    c.markFalse('Reconciling', 'Succeeded', 'done');
    c.markTrue('FetchFailed', 'AuthenticationFailed', 'no');
    c.markTrue('Ready', 'Succeeded', 'ok');
    assert.deepEqual(
      c.toList().map((x) => x.type),
      ['Ready', 'FetchFailed'],
    );
  });
});

describe('summarize', () => {
  const cases = [
    {
      name: 'success clears Reconciling and Stalled',
      outcome: { kind: 'success', reason: 'Succeeded', message: 'stored artifact' },
      want: [['Ready', 'True', 'Succeeded']],
      advance: true,
    },
    {
      name: 'a retryable failure keeps Reconciling with ProgressingWithRetry',
      outcome: { kind: 'retry', reason: 'GitOperationFailed', message: 'clone failed' },
      want: [
        ['Ready', 'False', 'GitOperationFailed'],
        ['Reconciling', 'True', 'ProgressingWithRetry'],
      ],
      advance: false,
    },
    {
      name: 'a stalled failure sets Stalled and drops Reconciling',
      outcome: { kind: 'stalled', reason: 'URLInvalid', message: 'bad url' },
      want: [
        ['Ready', 'False', 'URLInvalid'],
        ['Stalled', 'True', 'URLInvalid'],
      ],
      advance: true,
    },
  ] as const;
  for (const tc of cases) {
    it(tc.name, () => {
      const c = new Conditions([], 2, () => t0);
      c.markReconciling('Progressing', 'reconciliation in progress');
      c.markStalled('Old', 'old');
      const advance = summarize(c, tc.outcome);
      assert.equal(advance, tc.advance);
      assert.deepEqual(
        c.toList().map((x) => [x.type, x.status, x.reason]),
        tc.want.map((w) => [...w]),
      );
    });
  }
});
