// The reconcile skeleton on a real API server, driven by a controller over the
// GitRepository CRD: finalizer, suspend, requestedAt, observedGeneration, conditions
// written through server-side apply on the status subresource.
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CRD_DIR } from '../../api/crd-files.js';
import type { GitRepository } from '../../api/source/gitrepository.js';
import { useTestEnvironment } from '../../testenv/env.js';
import { eventually } from '../../testenv/eventually.js';
import { Informer } from '../cache/informer.js';
import { connect } from '../client/connect.js';
import { isNotFound } from '../client/errors.js';
import type { KubeClient } from '../client/client.js';
import type { ResourceType } from '../client/resource.js';
import { Controller, generationOrRequestChanged, requeueAfter } from '../controller/controller.js';
import { EventRecorder } from '../events/recorder.js';
import { RuntimeMetrics } from '../metrics/metrics.js';
import { ReconcileError, StalledError } from './errors.js';
import { reconcileObject, type FluxObject } from './skeleton.js';

const env = await useTestEnvironment();
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const GitRepositories: ResourceType = {
  group: 'source.toolkit.fluxcd.io',
  version: 'v1',
  plural: 'gitrepositories',
  kind: 'GitRepository',
  namespaced: true,
};
const BEHAVIOUR = 'test.tide.dev/behaviour';

function gitRepository(namespace: string, name: string, behaviour = 'ok', suspend = false): GitRepository {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name, namespace, annotations: { [BEHAVIOUR]: behaviour } },
    spec: { interval: '1m', url: 'https://example.com/repo.git', suspend },
  };
}

async function run(t: { after(fn: () => unknown): void }, namespace: string) {
  const client = await connect(env.kc);
  const metrics = new RuntimeMetrics({ processMetrics: false });
  const stepRuns = new Map<string, number>();
  const finalized: string[] = [];
  const events = new EventRecorder({ client, reportingController: 'tide-test-controller' });
  const controller = new Controller({
    name: 'gitrepository',
    metrics,
    backoff: { baseMs: 200, maxMs: 2000 },
    reconciler: {
      reconcile: (req, ctx) =>
        reconcileObject<GitRepository & FluxObject>(
          {
            client,
            resource: GitRepositories,
            fieldManager: 'tide-test-controller',
            metrics,
            events,
            finalize: (obj) => {
              finalized.push(obj.metadata.name);
              return Promise.resolve();
            },
            steps: [
              (state) => {
                const name = state.object.metadata.name;
                stepRuns.set(name, (stepRuns.get(name) ?? 0) + 1);
                const behaviour = state.object.metadata.annotations?.[BEHAVIOUR];
                if (behaviour === 'fail') {
                  throw new ReconcileError(
                    'GitOperationFailed',
                    'clone https://user:hunter2@example.com/repo.git failed',
                  );
                }
                if (behaviour === 'stall') throw new StalledError('URLInvalid', 'the URL cannot be used');
                state.ready = { reason: 'Succeeded', message: 'stored artifact for revision main@sha1:abc' };
                state.status['artifact'] = {
                  path: 'gitrepository/x/y/abc.tar.gz',
                  url: 'http://localhost/abc.tar.gz',
                  revision: 'main@sha1:abc',
                  lastUpdateTime: '2026-01-01T00:00:00Z',
                };
                return Promise.resolve(requeueAfter(60_000));
              },
            ],
          },
          req,
          ctx,
        ),
    },
  });
  const informer = new Informer<GitRepository>({ client, resource: GitRepositories, namespace });
  controller.watchPrimary(informer, generationOrRequestChanged);
  const stop = new AbortController();
  const runs = [informer.run(stop.signal), controller.run(stop.signal)];
  t.after(async () => {
    stop.abort();
    await Promise.all(runs);
  });
  return { client, metrics, stepRuns, finalized };
}

async function read(client: KubeClient, namespace: string, name: string): Promise<GitRepository> {
  return client.get<GitRepository>(GitRepositories, name, namespace);
}

function condition(obj: GitRepository, type: string) {
  return obj.status?.conditions?.find((c) => c.type === type);
}

describe('reconcile skeleton', () => {
  before(async () => {
    await env.installCRDs(path.join(root, CRD_DIR));
  });

  it('adds the finalizer, writes Ready=True and observedGeneration through SSA on status', async (t) => {
    const ns = await env.createNamespace(t);
    const { client, metrics } = await run(t, ns);
    await client.create(GitRepositories, gitRepository(ns, 'good'));
    const obj = await eventually(async () => {
      const o = await read(client, ns, 'good');
      assert.equal(condition(o, 'Ready')?.status, 'True');
      return o;
    });
    assert.deepEqual(obj.metadata.finalizers, ['finalizers.fluxcd.io']);
    assert.equal(obj.status?.observedGeneration, obj.metadata.generation);
    assert.equal(condition(obj, 'Ready')?.reason, 'Succeeded');
    assert.equal(condition(obj, 'Reconciling'), undefined);
    assert.equal(obj.status?.artifact?.revision, 'main@sha1:abc');
    const statusManager = (
      (await client.request({
        path: `/apis/source.toolkit.fluxcd.io/v1/namespaces/${ns}/gitrepositories/good`,
      })) as { metadata: { managedFields: { manager: string; operation: string; subresource?: string }[] } }
    ).metadata.managedFields.find((f) => f.subresource === 'status');
    assert.deepEqual(
      { manager: statusManager?.manager, operation: statusManager?.operation },
      { manager: 'tide-test-controller', operation: 'Apply' },
    );
    const text = await metrics.render();
    assert.match(
      text,
      new RegExp(
        `gotk_reconcile_condition\\{kind="GitRepository",name="good",namespace="${ns}",type="Ready",status="True"\\} 1`,
      ),
    );
    assert.match(
      text,
      new RegExp(
        `gotk_reconcile_duration_seconds_count\\{kind="GitRepository",name="good",namespace="${ns}"\\} [1-9]`,
      ),
    );
  });

  it('handles reconcile.fluxcd.io/requestedAt once and records it in lastHandledReconcileAt', async (t) => {
    const ns = await env.createNamespace(t);
    const { client, stepRuns } = await run(t, ns);
    await client.create(GitRepositories, gitRepository(ns, 'requested'));
    await eventually(async () => {
      assert.equal(condition(await read(client, ns, 'requested'), 'Ready')?.status, 'True');
    });
    const before = stepRuns.get('requested') ?? 0;
    const token = new Date().toISOString();
    await client.patch(
      GitRepositories,
      { name: 'requested', namespace: ns },
      {
        metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': token } },
      },
    );
    await eventually(async () => {
      assert.equal((await read(client, ns, 'requested')).status?.lastHandledReconcileAt, token);
    });
    assert.ok((stepRuns.get('requested') ?? 0) > before, 'the request triggered a reconcile');
  });

  it('does not run the steps of a suspended object', async (t) => {
    const ns = await env.createNamespace(t);
    const { client, stepRuns, metrics } = await run(t, ns);
    await client.create(GitRepositories, gitRepository(ns, 'paused', 'ok', true));
    await eventually(async () => {
      assert.deepEqual((await read(client, ns, 'paused')).metadata.finalizers, ['finalizers.fluxcd.io']);
    });
    await eventually(async () => {
      assert.match(
        await metrics.render(),
        new RegExp(`gotk_suspend_status\\{kind="GitRepository",name="paused",namespace="${ns}"\\} 1`),
      );
    });
    assert.equal(stepRuns.get('paused'), undefined);
    await client.patch(GitRepositories, { name: 'paused', namespace: ns }, { spec: { suspend: false } });
    await eventually(async () => {
      assert.equal(condition(await read(client, ns, 'paused'), 'Ready')?.status, 'True');
    });
  });

  it('marks a retryable failure Ready=False + Reconciling/ProgressingWithRetry with a sanitized message', async (t) => {
    const ns = await env.createNamespace(t);
    const { client } = await run(t, ns);
    await client.create(GitRepositories, gitRepository(ns, 'failing', 'fail'));
    const obj = await eventually(async () => {
      const o = await read(client, ns, 'failing');
      assert.equal(condition(o, 'Ready')?.status, 'False');
      return o;
    });
    assert.equal(condition(obj, 'Ready')?.reason, 'GitOperationFailed');
    assert.equal(condition(obj, 'Ready')?.message, 'clone https://example.com/repo.git failed');
    assert.deepEqual(
      [condition(obj, 'Reconciling')?.status, condition(obj, 'Reconciling')?.reason],
      ['True', 'ProgressingWithRetry'],
    );
    assert.notEqual(
      obj.status?.observedGeneration,
      obj.metadata.generation,
      'a retrying object is not observed yet',
    );
    assert.ok(!JSON.stringify(obj).includes('hunter2'), 'no credential anywhere in the object');
    const event = await eventually(async () => {
      const list = (await client.request({
        path: `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
        query: { fieldSelector: 'regarding.name=failing' },
      })) as { items: { type: string; reason: string; note: string; reportingController: string }[] };
      const found = list.items.find((e) => e.reason === 'GitOperationFailed');
      assert.ok(found, 'no Warning event recorded');
      return found;
    });
    assert.deepEqual(
      [event.type, event.note, event.reportingController],
      ['Warning', 'clone https://example.com/repo.git failed', 'tide-test-controller'],
    );
  });

  it('marks a terminal failure Stalled and stops retrying', async (t) => {
    const ns = await env.createNamespace(t);
    const { client, stepRuns } = await run(t, ns);
    await client.create(GitRepositories, gitRepository(ns, 'stalled', 'stall'));
    const obj = await eventually(async () => {
      const o = await read(client, ns, 'stalled');
      assert.equal(condition(o, 'Stalled')?.status, 'True');
      return o;
    });
    assert.equal(condition(obj, 'Ready')?.reason, 'URLInvalid');
    assert.equal(condition(obj, 'Reconciling'), undefined);
    assert.equal(obj.status?.observedGeneration, obj.metadata.generation);
    const runs = stepRuns.get('stalled');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(stepRuns.get('stalled'), runs, 'no retry of a stalled object');
  });

  it('finalizes on deletion and removes the finalizer so the object goes away', async (t) => {
    const ns = await env.createNamespace(t);
    const { client, finalized } = await run(t, ns);
    await client.create(GitRepositories, gitRepository(ns, 'doomed'));
    await eventually(async () => {
      assert.deepEqual((await read(client, ns, 'doomed')).metadata.finalizers, ['finalizers.fluxcd.io']);
    });
    await client.delete(GitRepositories, { name: 'doomed', namespace: ns });
    await eventually(async () => {
      const gone = await read(client, ns, 'doomed').then(
        () => false,
        (err: unknown) => isNotFound(err),
      );
      assert.ok(gone, 'object still exists');
    });
    assert.deepEqual(finalized, ['doomed']);
  });
});
