import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failures, mapLimited } from './concurrency.js';

describe('mapLimited', () => {
  it('never runs more than the limit at once and keeps input order', async () => {
    let running = 0;
    let peak = 0;
    const outcomes = await mapLimited(
      [5, 1, 4, 2, 3, 0],
      async (n) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setImmediate(resolve));
        running--;
        return n * 10;
      },
      { limit: 2 },
    );
    assert.equal(peak, 2);
    assert.deepEqual(
      outcomes.map((o) => (o?.ok === true ? o.value : undefined)),
      [50, 10, 40, 20, 30, 0],
    );
  });

  it('runs everything and reports each failure, or stops starting new calls on request', async () => {
    const fn = async (n: number): Promise<number> => {
      await Promise.resolve();
      if (n % 2 === 1) throw new Error(`odd ${n}`);
      return n;
    };
    const all = await mapLimited([0, 1, 2, 3, 4], fn, { limit: 1 });
    assert.deepEqual(
      failures(all).map((e) => (e as Error).message),
      ['odd 1', 'odd 3'],
    );
    const stopped = await mapLimited([0, 1, 2, 3, 4], fn, { limit: 1, stopOnError: true });
    assert.deepEqual(
      stopped.map((o) => (o === undefined ? 'not started' : o.ok ? 'ok' : 'failed')),
      ['ok', 'failed', 'not started', 'not started', 'not started'],
    );
  });
});
