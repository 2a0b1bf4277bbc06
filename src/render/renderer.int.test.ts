// The helper pool against the real tide-render binary, driven through the
// test-only operations (renderer/testops.go).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultCacheDir } from '../localcluster/defaults.js';
import { eventually } from '../testenv/eventually.js';
import { ensureRendererBinary } from './binary.js';
import { RenderError, Renderer, RendererUnavailableError } from './renderer.js';

describe('Renderer pool', () => {
  let binary: string;
  let renderer: Renderer;
  before(async () => {
    binary =
      process.env.TIDE_TEST_RENDER_BINARY ??
      (await ensureRendererBinary({ cacheDir: defaultCacheDir(process.env) }));
    renderer = await Renderer.start({
      binary,
      processes: 2,
      hardMemoryLimitMiB: 400,
      hangGraceMs: 300,
      env: { TIDE_RENDER_TEST_OPS: '1' },
    });
  });
  after(async () => {
    await renderer.close();
  });

  it('reports the upstream engine versions it links', () => {
    assert.equal(renderer.engines['kustomize/api'], 'v0.21.2');
    assert.equal(renderer.engines.helm, 'v4.3.1');
    assert.equal(renderer.engines.sops, 'v3.13.2');
    assert.equal(renderer.pids.length, 2, 'two helpers');
  });

  it('answers concurrent requests on every helper, out of order', async () => {
    const slow = renderer.request('test.sleep', { ms: 300 });
    const values = await Promise.all(
      Array.from({ length: 50 }, (_, i) => renderer.request('test.echo', { value: { i } })),
    );
    assert.deepEqual(
      values,
      Array.from({ length: 50 }, (_, i) => ({ value: { i } })),
    );
    await slow;
  });

  it('turns an engine panic into a Panic error and keeps the helper', async () => {
    const pids = renderer.pids;
    await assert.rejects(
      renderer.request('test.panic', {}),
      (err: unknown) =>
        err instanceof RenderError && err.code === 'Panic' && /recovered from a panic/.test(err.message),
    );
    assert.deepEqual(renderer.pids, pids, 'no helper was replaced');
    assert.deepEqual(await renderer.request('test.echo', { value: 1 }), { value: 1 });
  });

  it('fails a request past its deadline even when the engine ignores it', async () => {
    const started = performance.now();
    await assert.rejects(
      renderer.request('test.spin', { ms: 3000 }, { timeoutMs: 100 }),
      (err: unknown) =>
        err instanceof RenderError && err.code === 'Timeout' && /within 100ms/.test(err.message),
    );
    assert.ok(performance.now() - started < 2000, 'the timeout came before the engine finished');
  });

  it('exits and is replaced when a timed-out engine keeps running past the grace period', async () => {
    const own = await Renderer.start({
      binary,
      processes: 1,
      env: { TIDE_RENDER_TEST_OPS: '1', TIDE_RENDER_ABANDON_GRACE_MS: '300' },
    });
    try {
      const [first] = own.pids;
      await assert.rejects(
        own.request('test.spin', { ms: 5000 }, { timeoutMs: 100 }),
        (err: unknown) => err instanceof RenderError && err.code === 'Timeout',
      );
      await eventually(() => {
        assert.equal(own.restartCount, 1, 'the helper holding abandoned work exited');
        assert.equal(own.pids.length, 1, 'and was replaced');
        assert.notEqual(own.pids[0], first, 'by a new process');
      });
      assert.deepEqual(await own.request('test.echo', { value: 2 }), { value: 2 });
    } finally {
      await own.close();
    }
  });

  it('cancels a request through its AbortSignal', async () => {
    const ac = new AbortController();
    const pending = renderer.request('test.sleep', { ms: 10_000 }, { signal: ac.signal });
    setTimeout(() => {
      ac.abort();
    }, 50);
    await assert.rejects(
      pending,
      (err: unknown) => err instanceof RenderError && /cancelled/.test(err.message),
    );
  });

  it('rejects unknown operations and unknown parameters', async () => {
    await assert.rejects(
      renderer.request('no.such.op', {}),
      (err: unknown) => err instanceof RenderError && err.code === 'InvalidRequest',
    );
    await assert.rejects(
      renderer.request('test.echo', { nope: 1 }),
      (err: unknown) =>
        err instanceof RenderError && err.code === 'InvalidRequest' && /nope/.test(err.message),
    );
  });

  it('answers the helper calling back into Tide', async () => {
    const result = await renderer.request(
      'test.call',
      { op: 'lookup', value: { kind: 'Secret' } },
      {
        onCall: (op, params) => Promise.resolve({ op, params }),
      },
    );
    assert.deepEqual(result, { answer: { op: 'lookup', params: { kind: 'Secret' } } });
    await assert.rejects(
      renderer.request(
        'test.call',
        { op: 'lookup', value: {} },
        {
          onCall: () => Promise.reject(new Error('the API server said no')),
        },
      ),
      /the API server said no/,
    );
  });

  it('replaces a helper that dies, failing only its requests', async () => {
    const before = renderer.pids;
    const restarts = renderer.restartCount;
    const results = await Promise.allSettled([
      renderer.request('test.exit', {}),
      renderer.request('test.sleep', { ms: 200 }),
    ]);
    const [crashed] = results;
    assert.ok(
      crashed.status === 'rejected' && crashed.reason instanceof RendererUnavailableError,
      `the crashing request fails with RendererUnavailableError: ${String(crashed.status === 'rejected' ? crashed.reason : 'it succeeded')}`,
    );
    assert.equal(results[1].status, 'fulfilled', 'the other helper kept working');
    await eventually(() => {
      assert.equal(renderer.restartCount, restarts + 1);
      assert.equal(renderer.pids.length, 2, 'two helpers again');
      assert.notDeepEqual(renderer.pids, before, 'a new pid');
    });
    assert.deepEqual(await renderer.request('test.echo', { value: 'after' }), { value: 'after' });
  });

  it('kills a helper that grows past the memory limit, naming the limit', async () => {
    await assert.rejects(
      renderer.request('test.alloc', { mib: 700 }, { timeoutMs: 20_000 }),
      (err: unknown) =>
        err instanceof RendererUnavailableError &&
        /over the 400 MiB limit, while rendering test\.alloc/.test(err.message),
    );
    await eventually(() => {
      assert.equal(renderer.pids.length, 2);
    });
  });

  it('replaces a helper that stops answering altogether', async () => {
    const [victim] = renderer.pids;
    assert.ok(victim !== undefined, 'a helper');
    process.kill(victim, 'SIGSTOP');
    try {
      // Two requests so that one lands on the stopped helper.
      const results = await Promise.allSettled([
        renderer.request('test.sleep', { ms: 10 }, { timeoutMs: 100 }),
        renderer.request('test.sleep', { ms: 10 }, { timeoutMs: 100 }),
      ]);
      const failed = results.filter((r) => r.status === 'rejected');
      assert.equal(failed.length, 1, 'the request on the stopped helper fails');
      assert.match(
        String(failed[0]?.status === 'rejected' ? failed[0].reason : ''),
        /did not answer test\.sleep within 400 ms/,
      );
    } finally {
      try {
        process.kill(victim, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    await eventually(() => {
      assert.ok(!renderer.pids.includes(victim), 'the stopped helper was replaced');
      assert.equal(renderer.pids.length, 2);
    });
  });
});
