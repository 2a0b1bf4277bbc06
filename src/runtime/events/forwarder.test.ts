import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import type { Logger } from '../log/logger.js';
import {
  EventForwarder,
  eventMetadata,
  maxFluxMessageLength,
  newFluxEvent,
  severityFor,
  type EventForwarderOptions,
  type FluxEvent,
} from './forwarder.js';

/** A logger that keeps error messages. */
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

type Reply = number | 'hang' | 'reset';

interface Receiver {
  readonly url: string;
  readonly bodies: unknown[];
  readonly headers: http.IncomingHttpHeaders[];
}

/** A local events endpoint answering each request with the next scripted reply (the last one repeats). */
async function receiver(t: TestContext, replies: Reply[]): Promise<Receiver> {
  const bodies: unknown[] = [];
  const headers: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      headers.push(req.headers);
      const reply = replies[Math.min(bodies.length - 1, replies.length - 1)] ?? 200;
      if (reply === 'hang') return;
      if (reply === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, bodies, headers };
}

function forwarder(url: string, opts: Partial<EventForwarderOptions> = {}): EventForwarder {
  return new EventForwarder({
    address: url,
    initialBackoffMs: 5,
    maxBackoffMs: 20,
    timeoutMs: 2000,
    ...opts,
  });
}

const sample: FluxEvent = newFluxEvent({
  involvedObject: {
    kind: 'GitRepository',
    namespace: 'flux-system',
    name: 'podinfo',
    uid: 'u-1',
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    resourceVersion: '42',
  },
  type: 'Normal',
  reason: 'NewArtifact',
  message: 'stored artifact for commit',
  metadata: { 'source.toolkit.fluxcd.io/revision': 'main@sha1:abc' },
  reportingController: 'source-controller',
  reportingInstance: 'source-controller-7d9f',
  time: Date.UTC(2024, 4, 6, 7, 8, 9, 123),
});

describe('Flux event building', () => {
  it('maps Kubernetes event types to severities', () => {
    assert.deepEqual(['Normal', 'Warning', 'Trace', 'Other'].map(severityFor), [
      'info',
      'error',
      'trace',
      'info',
    ]);
  });

  it('prefixes caller metadata with the API group and lets it win over annotations', () => {
    const metadata = eventMetadata({
      group: 'kustomize.toolkit.fluxcd.io',
      annotations: {
        'event.toolkit.fluxcd.io/deploymentID': 'd-1',
        'event.toolkit.fluxcd.io/revision': 'from-annotation',
        'kustomize.toolkit.fluxcd.io/revision': 'annotation-must-lose',
        'other.example.com/x': 'not forwarded',
        'event.toolkit.fluxcd.io/': 'empty name',
      },
      metadata: {
        revision: 'main@sha1:abc',
        'helm.toolkit.fluxcd.io/app-version': '1.2.3',
        'event.toolkit.fluxcd.io/revision': 'from-caller',
      },
    });
    assert.deepEqual(metadata, {
      'event.toolkit.fluxcd.io/deploymentID': 'd-1',
      'event.toolkit.fluxcd.io/revision': 'from-caller',
      'kustomize.toolkit.fluxcd.io/revision': 'main@sha1:abc',
      'helm.toolkit.fluxcd.io/app-version': '1.2.3',
    });
  });

  it('produces the notification-controller document', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(sample)), {
      involvedObject: {
        kind: 'GitRepository',
        namespace: 'flux-system',
        name: 'podinfo',
        uid: 'u-1',
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        resourceVersion: '42',
      },
      severity: 'info',
      timestamp: '2024-05-06T07:08:09Z',
      message: 'stored artifact for commit',
      reason: 'NewArtifact',
      metadata: { 'source.toolkit.fluxcd.io/revision': 'main@sha1:abc' },
      reportingController: 'source-controller',
      reportingInstance: 'source-controller-7d9f',
    });
  });

  it('sanitizes and truncates the message, and omits empty metadata', () => {
    const event = newFluxEvent({
      ...{ involvedObject: sample.involvedObject, reportingController: 'c', reportingInstance: 'i', time: 0 },
      type: 'Warning',
      reason: 'Failed',
      message: `fetch https://u:TOKEN@h/r?sig=SAS failed ${'x'.repeat(50_000)}`,
      metadata: {},
    });
    assert.equal(event.severity, 'error');
    assert.equal(event.message.length, maxFluxMessageLength);
    assert.match(event.message, /^fetch https:\/\/h\/r failed x/);
    assert.doesNotMatch(event.message, /TOKEN|SAS/);
    assert.equal('metadata' in event, false);
  });
});

describe('EventForwarder', () => {
  it('POSTs the event as JSON without blocking the caller', async (t) => {
    const r = await receiver(t, [200]);
    const f = forwarder(r.url);
    f.forward(sample);
    assert.equal(r.bodies.length, 0, 'forward() must not wait for delivery');
    await f.flush();
    assert.deepEqual(r.bodies, [JSON.parse(JSON.stringify(sample))]);
    assert.equal(r.headers[0]?.['content-type'], 'application/json');
    assert.deepEqual(f.stats, { delivered: 1, duplicates: 0, failed: 0, dropped: 0 });
  });

  it('does not retry a 429 (the receiver already has the event)', async (t) => {
    const r = await receiver(t, [429, 200]);
    const f = forwarder(r.url);
    f.forward(sample);
    await f.flush();
    assert.equal(r.bodies.length, 1);
    assert.equal(f.stats.duplicates, 1);
  });

  it('retries 5xx with backoff until it is accepted', async (t) => {
    const r = await receiver(t, [500, 503, 200]);
    const f = forwarder(r.url);
    f.forward(sample);
    await f.flush();
    assert.equal(r.bodies.length, 3);
    assert.deepEqual(f.stats, { delivered: 1, duplicates: 0, failed: 0, dropped: 0 });
  });

  it('gives up after maxAttempts and logs it', async (t) => {
    const r = await receiver(t, [500]);
    const logger = captureLogger();
    const f = forwarder(r.url, { maxAttempts: 3, logger });
    f.forward(sample);
    await f.flush();
    assert.equal(r.bodies.length, 3);
    assert.equal(f.stats.failed, 1);
    assert.match(logger.errors.join('\n'), /failed to forward event.*HTTP 500/);
  });

  it('does not retry other client errors', async (t) => {
    const r = await receiver(t, [400, 200]);
    const f = forwarder(r.url);
    f.forward(sample);
    await f.flush();
    assert.equal(r.bodies.length, 1);
    assert.equal(f.stats.failed, 1);
  });

  it('retries network errors and timeouts', async (t) => {
    const r = await receiver(t, ['reset', 'hang', 200]);
    const f = forwarder(r.url, { timeoutMs: 300 });
    f.forward(sample);
    await f.flush();
    assert.equal(r.bodies.length, 3);
    assert.equal(f.stats.delivered, 1);
  });

  it('drops events beyond its queue bound instead of blocking', async (t) => {
    const r = await receiver(t, ['hang']);
    const logger = captureLogger();
    const f = forwarder(r.url, { concurrency: 1, maxQueue: 2, maxAttempts: 1, timeoutMs: 300, logger });
    for (let i = 0; i < 5; i++) f.forward({ ...sample, message: `m${i}` });
    assert.equal(f.stats.dropped, 2, 'one in flight, two queued, two dropped');
    await f.flush();
    assert.equal(f.stats.failed, 3);
    assert.match(logger.errors.join('\n'), /queue is full/);
  });

  it('never forwards trace events', async (t) => {
    const r = await receiver(t, [200]);
    const f = forwarder(r.url);
    f.forward({ ...sample, severity: 'trace' });
    await f.flush();
    assert.equal(r.bodies.length, 0);
  });

  it('rejects an events address that is not http(s)', () => {
    assert.throws(() => new EventForwarder({ address: 'ftp://x/' }), /http/);
    assert.throws(() => new EventForwarder({ address: 'not a url' }));
  });
});
