import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../api/object.js';
import { ApiError } from '../client/errors.js';
import type { ResourceType } from '../client/resource.js';
import type { Logger } from '../log/logger.js';
import type { FluxEvent, FluxEventSink } from './forwarder.js';
import { EventRecorder, type EventRecorderOptions, type KubeEvent } from './recorder.js';

function captureLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  const logger: Logger & { errors: string[] } = {
    errors,
    debug: () => undefined,
    info: () => undefined,
    error: (msg, fields) =>
      errors.push(
        `${msg} ${JSON.stringify(fields ?? {}, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`,
      ),
    with: () => logger,
  };
  return logger;
}

/** Records Event writes; Events live in `stored` by namespace/name. */
class FakeEvents {
  readonly creates: KubeEvent[] = [];
  readonly patches: {
    name: string;
    namespace: string | undefined;
    patch: { series?: KubeEvent['series'] };
  }[] = [];
  readonly stored = new Map<string, KubeEvent>();
  fail: ApiError | undefined;
  /** While set, writes wait for it. */
  hold: Promise<void> | undefined;

  async create<T extends KubeObject>(_res: ResourceType, object: T): Promise<T> {
    await this.hold;
    if (this.fail !== undefined) throw this.fail;
    const event = structuredClone(object) as unknown as KubeEvent;
    this.creates.push(event);
    this.stored.set(`${event.metadata.namespace ?? ''}/${event.metadata.name}`, event);
    return object;
  }

  async patch<T extends KubeObject>(
    _res: ResourceType,
    ref: { name: string; namespace?: string | undefined },
    patch: unknown,
  ): Promise<T> {
    await this.hold;
    if (this.fail !== undefined) throw this.fail;
    const p = patch as { series?: KubeEvent['series'] };
    this.patches.push({ name: ref.name, namespace: ref.namespace, patch: p });
    const event = this.stored.get(`${ref.namespace ?? ''}/${ref.name}`);
    if (event === undefined) throw new ApiError(404, 'NotFound', `events "${ref.name}" not found`);
    if (p.series !== undefined) event.series = p.series;
    return event as unknown as T;
  }

  /** The stored Events, oldest first. */
  events(): KubeEvent[] {
    return [...this.stored.values()];
  }
}

class FakeSink implements FluxEventSink {
  readonly events: FluxEvent[] = [];
  forward(event: FluxEvent): void {
    this.events.push(event);
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
}

const configMap: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', namespace: 'apps', uid: 'uid-1', resourceVersion: '7' },
};

const gitRepo: KubeObject = {
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'GitRepository',
  metadata: {
    name: 'podinfo',
    namespace: 'flux-system',
    uid: 'uid-2',
    resourceVersion: '9',
    annotations: { 'event.toolkit.fluxcd.io/env': 'prod', 'unrelated.example.com/x': 'y' },
  },
};

function setup(opts: Partial<EventRecorderOptions> = {}): {
  events: FakeEvents;
  recorder: EventRecorder;
  clock: { now: number };
  sink: FakeSink;
  logger: ReturnType<typeof captureLogger>;
} {
  const events = new FakeEvents();
  const clock = { now: Date.UTC(2030, 0, 1) };
  const sink = new FakeSink();
  const logger = captureLogger();
  const recorder = new EventRecorder({
    client: events,
    reportingController: 'source-controller',
    reportingInstance: 'source-controller-abc',
    now: () => clock.now,
    forwarder: sink,
    logger,
    ...opts,
  });
  return { events, recorder, clock, sink, logger };
}

describe('EventRecorder', () => {
  it('creates an events.k8s.io/v1 Event in the object namespace', async () => {
    const { events, recorder, clock } = setup();
    recorder.record(configMap, {
      type: 'Normal',
      reason: 'Updated',
      message: 'settings changed',
      action: 'Apply',
    });
    await recorder.flush();
    assert.equal(events.creates.length, 1);
    const event = events.creates[0] as KubeEvent;
    assert.equal(event.apiVersion, 'events.k8s.io/v1');
    assert.equal(event.kind, 'Event');
    assert.equal(event.metadata.namespace, 'apps');
    assert.match(event.metadata.name, /^settings\.[0-9a-f]+$/);
    assert.deepEqual(event.regarding, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'settings',
      namespace: 'apps',
      uid: 'uid-1',
      resourceVersion: '7',
    });
    assert.equal(event.type, 'Normal');
    assert.equal(event.reason, 'Updated');
    assert.equal(event.note, 'settings changed');
    assert.equal(event.action, 'Apply');
    assert.equal(event.reportingController, 'source-controller');
    assert.equal(event.reportingInstance, 'source-controller-abc');
    assert.equal(event.eventTime, new Date(clock.now).toISOString().replace('Z', '000Z'));
    assert.equal(event.series, undefined);
  });

  it('turns repeats within the window into a series on the same Event', async () => {
    const { events, recorder, clock } = setup();
    recorder.warning(configMap, 'Failed', 'boom');
    await recorder.flush();
    for (let i = 0; i < 3; i++) {
      clock.now += 60_000;
      recorder.warning(configMap, 'Failed', 'boom');
      await recorder.flush();
    }
    assert.equal(events.creates.length, 1);
    const [stored, ...others] = events.events();
    assert.equal(others.length, 0);
    assert.deepEqual(stored?.series, {
      count: 4,
      lastObservedTime: new Date(clock.now).toISOString().replace('Z', '000Z'),
    });
    assert.deepEqual(new Set(events.patches.map((p) => p.name)), new Set([stored.metadata.name]));
  });

  it('coalesces a burst of repeats into one write', async () => {
    const { events, recorder } = setup();
    for (let i = 0; i < 50; i++) recorder.normal(configMap, 'Progressing', 'working');
    await recorder.flush();
    assert.equal(events.creates.length, 1);
    assert.equal(events.patches.length, 0, 'a burst recorded in one go should be one write');
    assert.equal(events.events()[0]?.series?.count, 50);
  });

  it('starts a new Event after the window, and keeps distinct events apart', async () => {
    const { events, recorder, clock } = setup({ dedupWindowMs: 10 * 60_000 });
    recorder.normal(configMap, 'A', 'same');
    recorder.normal(configMap, 'B', 'same');
    recorder.warning(configMap, 'A', 'same');
    recorder.normal(configMap, 'A', 'different note');
    recorder.normal(gitRepo, 'A', 'same');
    await recorder.flush();
    assert.equal(events.creates.length, 5);
    clock.now += 10 * 60_000 + 1;
    recorder.normal(configMap, 'A', 'same');
    await recorder.flush();
    assert.equal(events.creates.length, 6, 'a repeat after the window is a new Event');
    assert.equal(events.patches.length, 0);
  });

  it('forgets the least recently seen events beyond cacheSize', async () => {
    const { events, recorder } = setup({ cacheSize: 2 });
    recorder.normal(configMap, 'A', 'm');
    recorder.normal(configMap, 'B', 'm');
    recorder.normal(configMap, 'A', 'm'); // A is now the most recent
    recorder.normal(configMap, 'C', 'm'); // evicts B
    await recorder.flush();
    recorder.normal(configMap, 'A', 'm');
    recorder.normal(configMap, 'B', 'm');
    await recorder.flush();
    assert.deepEqual(
      events.creates.map((e) => e.reason),
      ['A', 'B', 'C', 'B'],
    );
  });

  it('recreates an Event that expired on the server, keeping the count', async () => {
    const { events, recorder } = setup();
    recorder.normal(configMap, 'A', 'm');
    await recorder.flush();
    events.stored.clear();
    recorder.normal(configMap, 'A', 'm');
    await recorder.flush();
    assert.equal(events.creates.length, 2);
    assert.equal(events.creates[1]?.series?.count, 2);
  });

  it('records Trace as a Normal Event and does not forward it', async () => {
    const { events, recorder, sink } = setup();
    recorder.record(configMap, { type: 'Trace', reason: 'Progressing', message: 'step' });
    await recorder.flush();
    assert.equal(events.creates[0]?.type, 'Normal');
    assert.equal(sink.events.length, 0);
  });

  it('forwards every non-Trace event with prefixed metadata and object annotations', async () => {
    const { events, recorder, sink, clock } = setup();
    recorder.warning(gitRepo, 'GitOperationFailed', 'auth failed', { revision: 'main@sha1:abc' });
    recorder.warning(gitRepo, 'GitOperationFailed', 'auth failed', { revision: 'main@sha1:abc' });
    await recorder.flush();
    assert.equal(sink.events.length, 2, 'de-duplication is for Kubernetes Events only');
    assert.deepEqual(sink.events[0], {
      involvedObject: {
        kind: 'GitRepository',
        namespace: 'flux-system',
        name: 'podinfo',
        uid: 'uid-2',
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        resourceVersion: '9',
      },
      severity: 'error',
      timestamp: new Date(clock.now).toISOString().replace('.000Z', 'Z'),
      message: 'auth failed',
      reason: 'GitOperationFailed',
      metadata: {
        'event.toolkit.fluxcd.io/env': 'prod',
        'source.toolkit.fluxcd.io/revision': 'main@sha1:abc',
      },
      reportingController: 'source-controller',
      reportingInstance: 'source-controller-abc',
    });
    assert.deepEqual(events.creates[0]?.metadata.annotations, {
      'event.toolkit.fluxcd.io/env': 'prod',
      'source.toolkit.fluxcd.io/revision': 'main@sha1:abc',
    });
  });

  it('uses the configured API group for metadata keys', () => {
    const { recorder, sink } = setup({ apiGroup: 'helm.toolkit.fluxcd.io' });
    recorder.normal(configMap, 'A', 'm', { revision: '1.0.0' });
    assert.deepEqual(sink.events[0]?.metadata, { 'helm.toolkit.fluxcd.io/revision': '1.0.0' });
  });

  it('sanitizes messages and caps the note at 1024 bytes', async () => {
    const { events, recorder, sink } = setup();
    const message = `clone https://user:TOKEN@git.example.com/r.git?sig=SAS failed: ${'é'.repeat(2000)}`;
    recorder.warning(gitRepo, 'Failed', message);
    await recorder.flush();
    const note = events.creates[0]?.note ?? '';
    assert.ok(Buffer.byteLength(note) <= 1024, `${Buffer.byteLength(note)} bytes`);
    assert.match(note, /^clone https:\/\/git\.example\.com\/r\.git failed: é/);
    const forwarded = sink.events[0]?.message ?? '';
    assert.equal(forwarded.length, message.length - 'user:TOKEN@'.length - '?sig=SAS'.length);
    for (const text of [note, forwarded]) assert.doesNotMatch(text, /TOKEN|SAS|user/);
  });

  it('never throws into the caller and logs write failures', async () => {
    const { events, recorder, logger } = setup();
    events.fail = new ApiError(403, 'Forbidden', 'events is forbidden');
    assert.doesNotThrow(() => {
      recorder.normal(configMap, 'A', 'm');
    });
    assert.doesNotThrow(() => {
      recorder.record({ kind: 'X' } as unknown as KubeObject, { type: 'Normal', reason: 'B', message: 'm' });
    });
    await recorder.flush();
    assert.equal(recorder.stats.failed, 1);
    assert.match(logger.errors.join('\n'), /failed to write event.*forbidden/);
    assert.match(logger.errors.join('\n'), /failed to record event/);
  });

  it('does not wait for the API server, and drops writes beyond its queue bound', async () => {
    const { events, recorder, logger } = setup({ maxQueue: 2 });
    let release = (): void => undefined;
    events.hold = new Promise((resolve) => (release = resolve));
    for (let i = 0; i < 6; i++) recorder.normal(configMap, `R${i}`, 'm');
    assert.equal(recorder.stats.dropped, 4, 'two queued, four dropped');
    assert.match(logger.errors.join('\n'), /queue is full/);
    release();
    events.hold = undefined;
    await recorder.flush();
    assert.deepEqual(
      events.creates.map((e) => e.reason),
      ['R0', 'R1'],
    );
  });
});
