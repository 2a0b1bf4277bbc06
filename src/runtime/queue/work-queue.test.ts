import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ItemBackoff, jitter } from './backoff.js';
import { WorkQueue } from './work-queue.js';

describe('WorkQueue', () => {
  it('queues a key once however often it is added', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.length, 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
  });

  it('never hands out a key being processed; a re-add waits for done()', async () => {
    const q = new WorkQueue();
    q.add('a');
    const first = await q.get();
    q.add('a');
    q.add('a');
    assert.equal(q.length, 0, 're-add while processing is deferred');
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await Promise.resolve();
    assert.equal(second, undefined);
    q.done(first ?? '');
    await new Promise((r) => setImmediate(r));
    assert.equal(second, 'a');
  });

  it('wakes a waiting worker on add and releases waiters on shutdown', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.add('x');
    assert.equal(await waiting, 'x');
    const idle = q.get();
    q.shutDown();
    assert.equal(await idle, undefined);
    q.add('y');
    assert.equal(q.length, 0);
  });

  it('serves direct adds before keys returning from a delay, and promotes a waiting key', async () => {
    const q = new WorkQueue();
    q.addAfter('poll-1', 1);
    q.addAfter('poll-2', 1);
    q.addAfter('poll-3', 1);
    await new Promise((r) => setTimeout(r, 20));
    q.add('requested');
    q.add('poll-3');
    const order = [await q.get(), await q.get(), await q.get(), await q.get()];
    assert.deepEqual(order, ['requested', 'poll-3', 'poll-1', 'poll-2']);
    assert.equal(q.length, 0, 'each key once');
    q.shutDown();
  });

  it('keeps the earliest deadline of delayed adds', async () => {
    const q = new WorkQueue();
    q.addAfter('k', 10_000);
    q.addAfter('k', 5);
    q.addAfter('k', 20_000);
    const got = await q.get();
    assert.equal(got, 'k');
    q.shutDown();
  });
});

describe('ItemBackoff', () => {
  it('doubles per failure up to the cap and resets on forget', () => {
    const b = new ItemBackoff({ baseMs: 10, maxMs: 100 });
    assert.deepEqual(
      Array.from({ length: 6 }, () => b.next('k')),
      [10, 20, 40, 80, 100, 100],
    );
    assert.equal(b.next('other'), 10);
    b.forget('k');
    assert.equal(b.next('k'), 10);
  });

  it('stays finite after very many failures', () => {
    const b = new ItemBackoff({ baseMs: 750, maxMs: 900_000 });
    let last = 0;
    for (let i = 0; i < 2000; i++) last = b.next('k');
    assert.equal(last, 900_000);
  });
});

describe('jitter', () => {
  it('stays within ±percent', () => {
    assert.equal(
      jitter(1000, 10, () => 0),
      900,
    );
    assert.equal(
      jitter(1000, 10, () => 1),
      1100,
    );
    assert.equal(
      jitter(1000, 0, () => 1),
      1000,
    );
  });
});
