// Hostile durations (checklist item 22, CVE-2022-39272): the CRD schema refuses what
// is not a Go-style duration with ms/s/m/h units (1ns, -1s, abc) with a 422 naming the
// field. What it admits but no timer can hold (0s, 99999999999h, a 400-digit number of
// hours) neither hot-loops nor disturbs other objects: 0s and 99999999999h are
// reconciled at a bounded rate, the overflowing one is Stalled on its own, and a
// valid Kustomization beside them keeps reconciling.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kustomization } from '../../../api/kustomize/kustomization.js';
import { ApiError } from '../../../runtime/client/errors.js';
import { eventually } from '../../../testenv/eventually.js';
import {
  condition,
  gitSource,
  isReadyAt,
  kustomization,
  readKustomization,
  startKustomizeHarness,
  waitKustomization,
  type KustomizeHarness,
} from '../testdata/harness.js';
import { Kustomizations } from './resources.js';

let h: KustomizeHarness;
before(async () => {
  h = await startKustomizeHarness();
});
after(async () => {
  await h.stop();
});

const cm = (name: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: {a: b}\n`;

/** Successful reconciles of the current build (Flux's status.history counter). */
function reconciles(k: Kustomization): number {
  return k.status?.history?.[0]?.totalReconciliations ?? 0;
}

/** Reconcile outcomes the manager logged for ns/name (one line per reconcile). */
function outcomeLines(ns: string, name: string): number {
  const object = `"object":"${ns}/${name}"`;
  return h.logs.filter((l) => l.includes(object) && l.includes('"outcome":')).length;
}

function isStalled(k: Kustomization): void {
  if (condition(k, 'Stalled')?.status !== 'True') {
    const ready = condition(k, 'Ready');
    throw new Error(`not stalled: Ready ${ready?.status ?? 'absent'} (${ready?.message ?? ''})`);
  }
}

describe('Kustomization intervals and timeouts', () => {
  it('refuses malformed durations at admission with a 422 naming the field', async (t) => {
    const ns = await h.env.createNamespace(t);
    const cases = [
      { field: 'interval', value: '1ns' },
      { field: 'interval', value: '-1s' },
      { field: 'interval', value: 'abc' },
      { field: 'timeout', value: '1ns' },
    ] as const;
    for (const [i, { field, value }] of cases.entries()) {
      await assert.rejects(
        h.client.create(Kustomizations, kustomization(ns, `refused-${i}`, { [field]: value })),
        (err: unknown) => {
          assert.ok(err instanceof ApiError, String(err));
          assert.equal(err.status, 422, err.message);
          assert.match(err.message, new RegExp(`spec\\.${field}`));
          assert.ok(err.message.includes(value), err.message);
          return true;
        },
        `${field}: ${value}`,
      );
    }
    const left = await h.client.list(Kustomizations, { namespace: ns });
    assert.deepEqual(left.items, []);
  });

  it('reconciles admitted extremes without a hot loop and stalls only the overflowing one', async (t) => {
    const ns = await h.env.createNamespace(t);
    await gitSource(h, ns, 'repo', {
      'zero/cm.yaml': cm('zero'),
      'huge/cm.yaml': cm('huge'),
      'overflow/cm.yaml': cm('overflow'),
      'clock/cm.yaml': cm('clock'),
      'valid/cm.yaml': cm('valid'),
    });
    const create = (name: string, spec: Partial<NonNullable<Kustomization['spec']>>): Promise<unknown> =>
      h.client.create(
        Kustomizations,
        kustomization(ns, name, { path: `./${name}`, targetNamespace: ns, ...spec }),
      );
    // Admitted by the schema: digits and a unit, however large.
    await create('zero', { interval: '0s' });
    await create('huge', { interval: '99999999999h' });
    await create('overflow', { interval: `${'9'.repeat(400)}h` });
    // A failing build retried after retryInterval 0s.
    await create('failing', { path: './missing', interval: '1m', retryInterval: '0s' });
    // The time base of the measurement: a valid 1s interval.
    await create('clock', { interval: '1s' });
    await create('valid', { interval: '1m' });

    await waitKustomization(h.client, ns, 'valid', isReadyAt());
    const zero = await waitKustomization(h.client, ns, 'zero', isReadyAt());
    const huge = await waitKustomization(h.client, ns, 'huge', isReadyAt());
    const stalled = await waitKustomization(h.client, ns, 'overflow', isStalled);
    const stalledMessage = condition(stalled, 'Ready')?.message ?? '';
    t.diagnostic(`overflow: ${condition(stalled, 'Ready')?.reason ?? ''}: ${stalledMessage.slice(0, 80)}…`);
    assert.equal(condition(stalled, 'Ready')?.status, 'False');
    assert.match(stalledMessage, /spec\.interval/);
    assert.match(condition(huge, 'Ready')?.message ?? '', /^Applied revision: /);

    // Watch for ≥ 5 s by the clock Kustomization's own reconciles (1 s apart).
    const clock = await waitKustomization(h.client, ns, 'clock', isReadyAt());
    const start = {
      at: Date.now(),
      clock: reconciles(clock),
      zero: reconciles(zero),
      failing: outcomeLines(ns, 'failing'),
      overflow: outcomeLines(ns, 'overflow'),
    };
    await eventually(
      async () => {
        const k = await readKustomization(h.client, ns, 'clock');
        assert.ok(reconciles(k) >= start.clock + 5, `clock at ${reconciles(k)}`);
      },
      { timeoutMs: 30_000 },
    );
    const seconds = (Date.now() - start.at) / 1000;
    const counts = {
      zero: reconciles(await readKustomization(h.client, ns, 'zero')) - start.zero,
      huge: reconciles(await readKustomization(h.client, ns, 'huge')),
      failing: outcomeLines(ns, 'failing') - start.failing,
      overflow: outcomeLines(ns, 'overflow') - start.overflow,
    };
    t.diagnostic(`over ${seconds.toFixed(1)}s: ${JSON.stringify(counts)}`);
    assert.ok(seconds >= 4, `the clock ran too fast (${seconds}s for 5 reconciles at 1s)`);
    // Tide runs a 0s interval (and retryInterval) at most once a second.
    assert.ok(counts.zero < 10, `0s interval: ${counts.zero} reconciles in ${seconds}s`);
    assert.ok(counts.failing < 10, `0s retryInterval: ${counts.failing} reconciles in ${seconds}s`);
    // 99999999999h is capped at Node's longest timer (~24.8 days), not fired at once.
    assert.equal(counts.huge, 1, '99999999999h interval reconciled again');
    // A stalled object is not retried.
    assert.equal(counts.overflow, 0, 'the stalled object was retried');
    const failing = await readKustomization(h.client, ns, 'failing');
    assert.equal(condition(failing, 'Ready')?.status, 'False');
    assert.match(condition(failing, 'Ready')?.message ?? '', /path not found/);
    await waitKustomization(h.client, ns, 'valid', isReadyAt());
  });
});
