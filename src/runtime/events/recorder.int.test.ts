import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it, type TestContext } from 'node:test';
import type { KubeObject } from '../../api/object.js';
import { useTestEnvironment } from '../../testenv/env.js';
import { CoreResources, KubeClient, transportFromKubeConfig } from '../client/index.js';
import { EventForwarder, type FluxEvent } from './forwarder.js';
import { EventRecorder, type KubeEvent } from './recorder.js';

const env = await useTestEnvironment();
const transport = await transportFromKubeConfig(env.kc);
const client = new KubeClient(transport, { qps: 50, burst: 100 });
after(() => {
  transport.agent.destroy();
});

const controller = 'tide-test-controller';

async function newConfigMap(t: TestContext, annotations?: Record<string, string>): Promise<KubeObject> {
  const namespace = await env.createNamespace(t, 'events');
  return client.create(CoreResources.ConfigMap, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace, ...(annotations === undefined ? {} : { annotations }) },
  });
}

async function ourEvents(namespace: string): Promise<KubeEvent[]> {
  const list = await client.list<KubeEvent>(CoreResources.Event, { namespace });
  return list.items.filter((e) => e.reportingController === controller);
}

function newRecorder(opts: { forwarder?: EventForwarder } = {}): EventRecorder {
  return new EventRecorder({
    client,
    reportingController: controller,
    reportingInstance: 'test-pod',
    ...opts,
  });
}

describe('EventRecorder against the API server', () => {
  it('folds repeats of one event into a series on a single Event', async (t) => {
    const cm = await newConfigMap(t);
    const namespace = cm.metadata.namespace ?? '';
    const recorder = newRecorder();
    recorder.normal(cm, 'Updated', 'settings changed');
    await recorder.flush();
    for (let i = 0; i < 3; i++) recorder.normal(cm, 'Updated', 'settings changed');
    await recorder.flush();

    const events = await ourEvents(namespace);
    assert.equal(events.length, 1, JSON.stringify(events.map((e) => e.metadata.name)));
    const event = events[0] as KubeEvent;
    const series = event.series;
    assert.ok(series !== undefined && series.count >= 2, `series ${JSON.stringify(series)}`);
    assert.equal(series.count, 4);
    assert.match(series.lastObservedTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    assert.equal(event.type, 'Normal');
    assert.equal(event.reason, 'Updated');
    assert.equal(event.note, 'settings changed');
    assert.equal(event.action, 'Reconcile');
    assert.equal(event.reportingInstance, 'test-pod');
    assert.equal(event.regarding.uid, cm.metadata.uid);
    assert.equal(event.regarding.resourceVersion, cm.metadata.resourceVersion);
    assert.equal(event.regarding.namespace, namespace);
    assert.deepEqual(recorder.stats, { created: 1, seriesUpdates: 1, failed: 0, dropped: 0 });

    // The same Event through the core/v1 API, as `kubectl get events` sees it.
    const core = (await client.request({
      path: `/api/v1/namespaces/${namespace}/events/${event.metadata.name}`,
    })) as {
      involvedObject: { name: string };
      message: string;
      series?: { count: number };
    };
    assert.equal(core.involvedObject.name, 'settings');
    assert.equal(core.message, 'settings changed');
    assert.equal(core.series?.count, 4);
  });

  it('keeps different reasons and types as separate Events', async (t) => {
    const cm = await newConfigMap(t);
    const recorder = newRecorder();
    recorder.normal(cm, 'Updated', 'm');
    recorder.normal(cm, 'Pruned', 'm');
    recorder.warning(cm, 'Updated', 'm');
    recorder.normal(cm, 'Updated', 'm');
    await recorder.flush();
    const events = await ourEvents(cm.metadata.namespace ?? '');
    assert.deepEqual(events.map((e) => `${e.type}/${e.reason}/${e.series?.count ?? 1}`).sort(), [
      'Normal/Pruned/1',
      'Normal/Updated/2',
      'Warning/Updated/1',
    ]);
  });

  it('stores long and secret-bearing messages in a form the API server accepts', async (t) => {
    const cm = await newConfigMap(t);
    const recorder = newRecorder();
    recorder.warning(
      cm,
      'Failed',
      `fetch https://user:TOKEN@h.example/r?sig=SAS failed: ${'x'.repeat(5000)}`,
    );
    await recorder.flush();
    assert.equal(recorder.stats.failed, 0);
    const [event] = await ourEvents(cm.metadata.namespace ?? '');
    assert.ok(event !== undefined, 'no Event stored');
    assert.match(event.note ?? '', /^fetch https:\/\/h\.example\/r failed: x/);
    assert.doesNotMatch(event.note ?? '', /TOKEN|SAS/);
    assert.ok(
      Buffer.byteLength(event.note ?? '') <= 1024,
      `note of ${Buffer.byteLength(event.note ?? '')} bytes`,
    );
  });

  it('forwards the event to the events address with metadata', async (t) => {
    const received: FluxEvent[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as FluxEvent);
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => server.close());
    const forwarder = new EventForwarder({
      address: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    });
    const cm = await newConfigMap(t, { 'event.toolkit.fluxcd.io/env': 'staging' });
    const recorder = newRecorder({ forwarder });
    recorder.warning(cm, 'Failed', 'apply failed', { revision: 'main@sha1:abc' });
    await recorder.flush();

    assert.equal(received.length, 1);
    const event = received[0] as FluxEvent;
    assert.equal(event.severity, 'error');
    assert.equal(event.involvedObject.uid, cm.metadata.uid);
    assert.equal(event.reportingController, controller);
    // A core object has no API group: caller keys pass through unprefixed.
    assert.deepEqual(event.metadata, { 'event.toolkit.fluxcd.io/env': 'staging', revision: 'main@sha1:abc' });
    const [stored] = await ourEvents(cm.metadata.namespace ?? '');
    assert.equal(stored?.metadata.annotations?.['event.toolkit.fluxcd.io/env'], 'staging');
  });
});
