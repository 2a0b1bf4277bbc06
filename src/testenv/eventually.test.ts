import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually, EventuallyTimeoutError } from './eventually.js';

describe('eventually', () => {
  it('returns the value once the function stops throwing', async () => {
    let calls = 0;
    const value = await eventually(
      () => {
        calls++;
        if (calls < 3) throw new Error('not yet');
        return 'done';
      },
      { intervalMs: 1 },
    );
    assert.equal(value, 'done');
    assert.equal(calls, 3);
  });

  it('fails with the last error and the message after the timeout', async () => {
    let calls = 0;
    await assert.rejects(
      eventually(
        () => {
          calls++;
          throw new Error(`attempt ${calls}`);
        },
        { timeoutMs: 100, intervalMs: 10, maxIntervalMs: 20, message: 'waiting for the thing' },
      ),
      (err: unknown) => {
        assert.ok(err instanceof EventuallyTimeoutError, 'expected: err instanceof EventuallyTimeoutError');
        assert.match(err.message, /^waiting for the thing: still failing after .* attempts: attempt \d+$/);
        assert.ok(calls >= 3, `expected several attempts, got ${calls}`);
        return true;
      },
    );
  });

  it('awaits asynchronous functions', async () => {
    const started = Date.now();
    const value = await eventually(async () => {
      await new Promise((r) => setTimeout(r, 5));
      if (Date.now() - started < 30) throw new Error('too early');
      return 42;
    });
    assert.equal(value, 42);
  });
});
