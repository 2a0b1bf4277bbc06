import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReconcileError, StalledError, WaitError } from '../reconcile/errors.js';
import { Controller, done, requeueAfter, type Result } from './controller.js';

function controllerWith(reconcile: (signal: AbortSignal) => Promise<Result>, retried: number[] = []) {
  return new Controller({
    name: 'unit',
    backoff: { baseMs: 10, maxMs: 100 },
    queueObserver: { retried: (_k, delay) => retried.push(delay) },
    reconciler: { reconcile: (_req, ctx) => reconcile(ctx.signal) },
  });
}

describe('Controller', () => {
  it('lets an in-flight reconcile finish on shutdown, and aborts it after the grace period', async () => {
    let finished = false;
    const quick = controllerWith(async () => {
      await new Promise((r) => setTimeout(r, 50));
      finished = true;
      return done;
    });
    const stop = new AbortController();
    quick.enqueue({ name: 'a' });
    const run = quick.run(stop.signal, 5_000);
    await new Promise((r) => setTimeout(r, 10));
    stop.abort();
    await run;
    assert.ok(finished, 'the in-flight reconcile completed');

    let sawAbort = false;
    const stuck = controllerWith(
      (signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            sawAbort = true;
            resolve(done);
          });
        }),
    );
    const stop2 = new AbortController();
    stuck.enqueue({ name: 'b' });
    const run2 = stuck.run(stop2.signal, 50);
    await new Promise((r) => setTimeout(r, 10));
    stop2.abort();
    await run2;
    assert.ok(sawAbort, 'the reconcile signal aborted after the grace period');
  });

  it('retries generic errors with backoff, waits for WaitError, never retries StalledError', async () => {
    const outcomes = [
      new ReconcileError('Failed', 'x'),
      new WaitError('DependencyNotReady', 'y', 5),
      new StalledError('Bad', 'z'),
    ];
    const retried: number[] = [];
    let calls = 0;
    const c = controllerWith(() => {
      const next = outcomes[calls++];
      return next === undefined ? Promise.resolve(done) : Promise.reject(next);
    }, retried);
    const stop = new AbortController();
    c.enqueue({ name: 'k' });
    const run = c.run(stop.signal);
    await new Promise((r) => setTimeout(r, 300));
    stop.abort();
    await run;
    assert.equal(calls, 3, 'generic → retried, wait → retried, stalled → stop');
    assert.deepEqual(retried, [10], 'only the generic error used the backoff');
  });

  it('requeues after the requested delay', async () => {
    let calls = 0;
    const c = controllerWith(() => Promise.resolve(++calls < 3 ? requeueAfter(20) : done));
    const stop = new AbortController();
    c.enqueue({ name: 'r' });
    const run = c.run(stop.signal);
    await new Promise((r) => setTimeout(r, 300));
    stop.abort();
    await run;
    assert.equal(calls, 3, 'requeued twice, then done');
  });

  it('turns a throw that is not an Error into a retry instead of a crash', async () => {
    let calls = 0;
    const c = controllerWith(() => {
      calls++;
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return calls === 1 ? Promise.reject('a string') : Promise.resolve(done);
    });
    const stop = new AbortController();
    c.enqueue({ name: 's' });
    const run = c.run(stop.signal);
    await new Promise((r) => setTimeout(r, 200));
    stop.abort();
    await run;
    assert.equal(calls, 2, 'retried once');
  });
});
