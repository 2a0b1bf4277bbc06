import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import type { DiscoveredResource } from '../runtime/client/discovery.js';
import { ApiError } from '../runtime/client/errors.js';
import type { ResourceType } from '../runtime/client/resource.js';
import { compileHealthChecks } from './cel.js';
import { describeUnhealthy, waitForHealth, type HealthRef, type HealthWaitOptions } from './wait.js';

const deploymentResource: DiscoveredResource = {
  group: 'apps',
  version: 'v1',
  plural: 'deployments',
  kind: 'Deployment',
  namespaced: true,
  verbs: ['get'],
  preferred: true,
};
const namespaceResource: DiscoveredResource = {
  group: '',
  version: 'v1',
  plural: 'namespaces',
  kind: 'Namespace',
  namespaced: false,
  verbs: ['get'],
  preferred: true,
};

function ref(name: string, kind = 'Deployment'): HealthRef {
  return kind === 'Namespace'
    ? { group: '', version: 'v1', kind, namespace: '', name }
    : { group: 'apps', version: 'v1', kind, namespace: 'apps', name };
}

function deployment(name: string, available: number, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'apps', generation: 1 },
    spec: { replicas: 1 },
    status: {
      observedGeneration: 1,
      replicas: 1,
      updatedReplicas: 1,
      readyReplicas: available,
      availableReplicas: available,
      conditions: [{ type: 'Available', status: available > 0 ? 'True' : 'False' }],
    },
    ...extra,
  };
}

const failedDeployment = (name: string): KubeObject =>
  deployment(name, 0, {
    status: {
      observedGeneration: 1,
      conditions: [
        { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'timed out' },
      ],
    },
  });

interface Fake {
  readonly opts: HealthWaitOptions;
  readonly gets: { name: string; namespace: string | undefined }[];
  discoveryCalls: number;
  maxInFlight: number;
}

/** A client whose GET answers with `answer(name, call)`; errors are thrown. */
function fake(
  answer: (name: string, call: number) => KubeObject | Error | Promise<KubeObject | Error>,
  overrides: Partial<HealthWaitOptions> = {},
): Fake {
  const calls = new Map<string, number>();
  let inFlight = 0;
  const state: Fake = {
    gets: [],
    discoveryCalls: 0,
    maxInFlight: 0,
    opts: {
      timeoutMs: 5_000,
      signal: new AbortController().signal,
      pollMs: 1,
      client: {
        get: async <T extends KubeObject>(
          _res: ResourceType,
          name: string,
          namespace?: string,
          signal?: AbortSignal,
        ): Promise<T> => {
          state.gets.push({ name, namespace });
          const call = (calls.get(name) ?? 0) + 1;
          calls.set(name, call);
          inFlight++;
          state.maxInFlight = Math.max(state.maxInFlight, inFlight);
          try {
            const result = await answer(name, call);
            signal?.throwIfAborted();
            if (result instanceof Error) throw result;
            return result as T;
          } finally {
            inFlight--;
          }
        },
      },
      discovery: {
        resourceFor: (apiVersion: string, kind: string): Promise<DiscoveredResource | undefined> => {
          state.discoveryCalls++;
          if (apiVersion === 'apps/v1' && kind === 'Deployment') return Promise.resolve(deploymentResource);
          if (apiVersion === 'v1' && kind === 'Namespace') return Promise.resolve(namespaceResource);
          return Promise.resolve(undefined);
        },
      },
      ...overrides,
    },
  };
  return state;
}

const notFound = (): ApiError => new ApiError(404, 'NotFound', 'deployments.apps "x" not found');

describe('waitForHealth', () => {
  it('is healthy at once when every object is Current', async () => {
    const f = fake((name) => deployment(name, 1));
    const report = await waitForHealth([ref('a'), ref('b')], f.opts);
    assert.deepEqual(report, { healthy: true, unhealthy: [] });
    assert.equal(f.gets.length, 2);
    assert.equal(describeUnhealthy(report), '');
  });

  it('is healthy with nothing to check', async () => {
    const f = fake(() => assert.fail('nothing should be read'));
    assert.equal((await waitForHealth([], f.opts)).healthy, true);
  });

  it('polls until every object is Current in the same round', async () => {
    const f = fake((name, call) => deployment(name, name === 'slow' ? (call >= 3 ? 1 : 0) : 1));
    const report = await waitForHealth([ref('fast'), ref('slow')], f.opts);
    assert.equal(report.healthy, true);
    assert.equal(f.gets.filter((g) => g.name === 'slow').length, 3);
  });

  it('reports a missing object as NotFound when the time is up', async () => {
    const f = fake((name) => (name === 'gone' ? notFound() : deployment(name, 1)), { timeoutMs: 100 });
    const report = await waitForHealth([ref('here'), ref('gone')], f.opts);
    assert.equal(report.healthy, false);
    assert.equal(report.timedOut, true);
    assert.deepEqual(report.unhealthy, [
      { subject: 'Deployment/apps/gone', status: 'NotFound', message: 'Deployment not found' },
    ]);
    assert.equal(
      describeUnhealthy(report),
      "timeout waiting for: [Deployment/apps/gone status: 'NotFound': Deployment not found]",
    );
  });

  it('names each object still in progress at the timeout and why', async () => {
    const f = fake((name) => deployment(name, 0), { timeoutMs: 50 });
    const report = await waitForHealth([ref('web'), ref('api')], f.opts);
    assert.equal(
      describeUnhealthy(report),
      "timeout waiting for: [Deployment/apps/web status: 'InProgress': Deployment does not have minimum availability: 0 of 1 replica available, " +
        "Deployment/apps/api status: 'InProgress': Deployment does not have minimum availability: 0 of 1 replica available]",
    );
  });

  it('stops at the first Failed object with failFast', async () => {
    const f = fake((name) => (name === 'broken' ? failedDeployment(name) : deployment(name, 0)), {
      timeoutMs: 60_000,
    });
    const started = Date.now();
    const report = await waitForHealth([ref('pending'), ref('broken')], f.opts);
    assert.ok(Date.now() - started < 10_000, 'fail-fast should not wait for the timeout');
    assert.equal(report.failedFast, true);
    assert.deepEqual(
      report.unhealthy.map((u) => [u.subject, u.status]),
      [
        ['Deployment/apps/pending', 'InProgress'],
        ['Deployment/apps/broken', 'Failed'],
      ],
    );
    assert.equal(
      describeUnhealthy(report),
      "failed early due to stalled resources: [Deployment/apps/broken status: 'Failed': Deployment exceeded its progress deadline: timed out]",
    );
  });

  it('keeps waiting on a Failed object without failFast', async () => {
    const f = fake((name, call) => (call < 3 ? failedDeployment(name) : deployment(name, 1)), {
      failFast: false,
    });
    const report = await waitForHealth([ref('recovers')], f.opts);
    assert.equal(report.healthy, true);
  });

  it('returns canceled when the signal aborts', async () => {
    const controller = new AbortController();
    const f = fake(
      (name, call) => {
        if (call === 2) controller.abort();
        return deployment(name, 0);
      },
      { signal: controller.signal, timeoutMs: 60_000 },
    );
    const report = await waitForHealth([ref('web')], f.opts);
    assert.equal(report.canceled, true);
    assert.equal(report.healthy, false);
    assert.match(
      describeUnhealthy(report),
      /^canceled while waiting for: \[Deployment\/apps\/web status: 'InProgress'/,
    );
  });

  it('reads at most 8 objects at once', async () => {
    const f = fake(async (name) => {
      await new Promise((resolve) => setImmediate(resolve));
      return deployment(name, 1);
    });
    const refs = Array.from({ length: 30 }, (_, i) => ref(`d${i}`));
    assert.equal((await waitForHealth(refs, f.opts)).healthy, true);
    assert.equal(f.gets.length, 30);
    assert.equal(f.maxInFlight, 8);
  });

  it('asks discovery once per kind and reports kinds nobody serves', async () => {
    const f = fake((name) => deployment(name, 0), { timeoutMs: 60 });
    const widget: HealthRef = {
      group: 'example.com',
      version: 'v1',
      kind: 'Widget',
      namespace: 'apps',
      name: 'w',
    };
    const report = await waitForHealth([ref('a'), ref('b'), widget], f.opts);
    const rounds = f.gets.filter((g) => g.name === 'a').length;
    // Deployment resolved once; Widget asked again every round (its CRD may appear).
    assert.equal(f.discoveryCalls, 1 + rounds);
    assert.deepEqual(report.unhealthy.at(-1), {
      subject: 'Widget/apps/w',
      status: 'Unknown',
      message: 'the API server serves no Widget in example.com/v1',
    });
  });

  it('reads cluster-scoped objects without a namespace and names them Kind/name', async () => {
    const f = fake(
      (name): KubeObject => ({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name, deletionTimestamp: '2026-01-01T00:00:00Z' },
        status: { phase: 'Terminating' },
      }),
      { timeoutMs: 30 },
    );
    // A namespace given for a cluster-scoped kind is ignored.
    const report = await waitForHealth([{ ...ref('apps', 'Namespace'), namespace: 'flux-system' }], f.opts);
    assert.equal(f.gets[0]?.namespace, undefined);
    assert.deepEqual(report.unhealthy, [
      { subject: 'Namespace/apps', status: 'Terminating', message: 'Namespace is being deleted' },
    ]);
  });

  it('reports API errors as Unknown, sanitized', async () => {
    const f = fake(
      () => new ApiError(403, 'Forbidden', 'GET https://user:secret@api.example.com/x?token=abc: forbidden'),
      {
        timeoutMs: 30,
      },
    );
    const report = await waitForHealth([ref('web')], f.opts);
    assert.deepEqual(report.unhealthy, [
      {
        subject: 'Deployment/apps/web',
        status: 'Unknown',
        message: 'reading the Deployment failed: GET https://api.example.com/x: forbidden',
      },
    ]);
  });

  it('decides with the CEL checks it is given', async () => {
    const checks = compileHealthChecks([
      { apiVersion: 'apps/v1', kind: 'Deployment', current: "metadata.name == 'special'" },
    ]);
    const f = fake((name) => deployment(name, 0), { checks, timeoutMs: 60 });
    const report = await waitForHealth([ref('special'), ref('plain')], f.opts);
    assert.deepEqual(
      report.unhealthy.map((u) => u.subject),
      ['Deployment/apps/plain'],
    );
  });

  it('lists at most 20 objects in its summary', async () => {
    const f = fake((name) => deployment(name, 0), { timeoutMs: 30 });
    const report = await waitForHealth(
      Array.from({ length: 23 }, (_, i) => ref(`d${i}`)),
      f.opts,
    );
    const summary = describeUnhealthy(report);
    assert.equal(report.unhealthy.length, 23);
    assert.equal(summary.split("status: 'InProgress'").length - 1, 20);
    assert.match(summary, /, and 3 more\]$/);
  });
});
