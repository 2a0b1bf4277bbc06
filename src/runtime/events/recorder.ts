// Records events.k8s.io/v1 Events about objects, like client-go's event
// broadcaster: a repeat of the same (object, type, reason, action, note) within the
// de-duplication window updates the existing Event's series instead of creating a
// new one. Recording is fire-and-forget: it never throws and never waits for the
// API server; writes go through a bounded queue and failures are logged. Each
// non-Trace event is also handed to the Flux forwarder when one is configured.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { KubeObject } from '../../api/object.js';
import { CoreResources, isNotFound, type KubeClient } from '../client/index.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { eventMetadata, newFluxEvent, type FluxEventSink, type FluxObjectReference } from './forwarder.js';
import { sanitizeText, truncateBytes } from '../log/sanitize.js';

export const EventTypes = { Normal: 'Normal', Warning: 'Warning', Trace: 'Trace' } as const;
/** Trace events become Normal Kubernetes Events and are not forwarded (Flux's convention). */
export type EventType = (typeof EventTypes)[keyof typeof EventTypes];

export interface EventSeries {
  count: number;
  lastObservedTime: string;
}

/** An events.k8s.io/v1 Event. */
export interface KubeEvent extends KubeObject {
  eventTime: string;
  series?: EventSeries;
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: string;
  regarding: FluxObjectReference;
  note?: string;
  type: 'Normal' | 'Warning';
}

export interface EventInput {
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
  /** What was done (events.k8s.io `action`); defaults to `Reconcile`. */
  readonly action?: string;
  /** Keys are prefixed with the emitter's API group unless they contain a `/`. */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface EventRecorderOptions {
  readonly client: Pick<KubeClient, 'create' | 'patch'>;
  /** e.g. `source-controller`. */
  readonly reportingController: string;
  /** Pod or host name; defaults to the host name. */
  readonly reportingInstance?: string;
  /** Prefix for caller metadata keys; defaults to the involved object's API group. */
  readonly apiGroup?: string;
  /** Flux event forwarding (`--events-addr`); none by default. */
  readonly forwarder?: FluxEventSink | undefined;
  readonly dedupWindowMs?: number;
  /** Distinct events remembered for de-duplication (least recently seen evicted). */
  readonly cacheSize?: number;
  /** Event writes waiting beyond this are dropped (and logged). */
  readonly maxQueue?: number;
  readonly now?: () => number;
  readonly logger?: Logger;
}

export interface RecorderStats {
  created: number;
  seriesUpdates: number;
  failed: number;
  dropped: number;
}

/** The API server rejects Event notes over 1024 bytes. */
const maxNoteBytes = 1024;
const maxNameLength = 253;
const writeTimeoutMs = 10_000;
const qualifiedKey =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

// One distinct event: the Event written for it (once created) and its counts.
interface SeriesEntry {
  readonly body: KubeEvent;
  name?: string;
  count: number;
  writtenCount: number;
  lastObserved: number;
  queued: boolean;
}

export class EventRecorder {
  readonly stats: RecorderStats = { created: 0, seriesUpdates: 0, failed: 0, dropped: 0 };
  readonly #opts: EventRecorderOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #instance: string;
  // Insertion order is recency order: a hit is re-inserted, the first key is the oldest.
  readonly #cache = new Map<string, SeriesEntry>();
  readonly #queue: SeriesEntry[] = [];
  readonly #idleWaiters: (() => void)[] = [];
  #working = false;

  constructor(opts: EventRecorderOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
    this.#instance = opts.reportingInstance ?? os.hostname();
    this.#log = (opts.logger ?? silentLogger).with({ controller: opts.reportingController });
  }

  /** Records an event about object. Never throws, never waits. */
  record(object: KubeObject, event: EventInput): void {
    try {
      this.#record(object, event);
    } catch (err) {
      this.#log.error('failed to record event', { reason: event.reason, error: err });
    }
  }

  normal(object: KubeObject, reason: string, message: string, metadata?: Record<string, string>): void {
    this.record(object, { type: 'Normal', reason, message, ...(metadata === undefined ? {} : { metadata }) });
  }

  warning(object: KubeObject, reason: string, message: string, metadata?: Record<string, string>): void {
    this.record(object, {
      type: 'Warning',
      reason,
      message,
      ...(metadata === undefined ? {} : { metadata }),
    });
  }

  /** Resolves when every queued Event write has finished (tests, shutdown). */
  async flush(): Promise<void> {
    if (this.#working || this.#queue.length > 0) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    await this.#opts.forwarder?.flush();
  }

  #record(object: KubeObject, event: EventInput): void {
    const now = this.#now();
    const regarding = referenceTo(object);
    const message = sanitizeText(event.message);
    const metadata = eventMetadata({
      group: this.#opts.apiGroup ?? apiGroupOf(object.apiVersion),
      annotations: object.metadata.annotations,
      metadata: event.metadata,
    });
    this.#log.debug('event', {
      type: event.type,
      reason: event.reason,
      object: `${regarding.kind}/${regarding.name}`,
    });
    this.#recordKubeEvent(regarding, event, message, metadata, now);
    if (this.#opts.forwarder !== undefined && event.type !== 'Trace') {
      if (regarding.namespace === undefined || regarding.namespace === '') {
        this.#log.debug('not forwarding an event about a cluster-scoped object', { reason: event.reason });
        return;
      }
      this.#opts.forwarder.forward(
        newFluxEvent({
          involvedObject: regarding,
          type: event.type,
          reason: event.reason,
          message,
          metadata,
          reportingController: this.#opts.reportingController,
          reportingInstance: this.#instance,
          time: now,
        }),
      );
    }
  }

  #recordKubeEvent(
    regarding: FluxObjectReference,
    event: EventInput,
    message: string,
    metadata: Record<string, string>,
    now: number,
  ): void {
    const type = event.type === 'Warning' ? 'Warning' : 'Normal';
    const action = event.action ?? 'Reconcile';
    const note = truncateBytes(message, maxNoteBytes);
    const key = JSON.stringify([
      regarding.uid ?? '',
      regarding.kind,
      regarding.namespace ?? '',
      regarding.name,
      type,
      event.reason,
      action,
      note,
    ]);
    const existing = this.#cache.get(key);
    if (existing !== undefined && now - existing.lastObserved <= (this.#opts.dedupWindowMs ?? 10 * 60_000)) {
      existing.count++;
      existing.lastObserved = now;
      this.#touch(key, existing);
      this.#enqueue(existing);
      return;
    }
    const entry: SeriesEntry = {
      body: {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: '', namespace: eventNamespace(regarding), ...annotationsFrom(metadata) },
        eventTime: formatMicroTime(now),
        reportingController: this.#opts.reportingController,
        reportingInstance: this.#instance,
        action,
        reason: event.reason,
        regarding,
        note,
        type,
      },
      count: 1,
      writtenCount: 0,
      lastObserved: now,
      queued: false,
    };
    this.#touch(key, entry);
    this.#enqueue(entry);
  }

  #touch(key: string, entry: SeriesEntry): void {
    this.#cache.delete(key);
    this.#cache.set(key, entry);
    const limit = this.#opts.cacheSize ?? 4096;
    while (this.#cache.size > limit) {
      const oldest = this.#cache.keys().next();
      if (oldest.done === true) break;
      this.#cache.delete(oldest.value);
    }
  }

  #enqueue(entry: SeriesEntry): void {
    if (entry.queued) return; // the pending write will carry the new count
    if (this.#queue.length >= (this.#opts.maxQueue ?? 1000)) {
      this.stats.dropped++;
      this.#log.error('event queue is full, dropping event', { reason: entry.body.reason });
      return;
    }
    entry.queued = true;
    this.#queue.push(entry);
    if (!this.#working) {
      this.#working = true;
      // Start on the next turn, so a burst recorded in one go becomes one write.
      setImmediate(() => void this.#work());
    }
  }

  async #work(): Promise<void> {
    try {
      for (let entry = this.#queue.shift(); entry !== undefined; entry = this.#queue.shift()) {
        entry.queued = false;
        try {
          await this.#write(entry);
        } catch (err) {
          this.stats.failed++;
          this.#log.error('failed to write event', {
            reason: entry.body.reason,
            object: `${entry.body.regarding.kind}/${entry.body.regarding.name}`,
            error: err,
          });
        }
      }
    } finally {
      this.#working = false;
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  async #write(entry: SeriesEntry): Promise<void> {
    const count = entry.count;
    if (entry.writtenCount >= count) return;
    const series = count > 1 ? { count, lastObservedTime: formatMicroTime(entry.lastObserved) } : undefined;
    if (entry.name !== undefined) {
      try {
        await this.#opts.client.patch(
          CoreResources.Event,
          { name: entry.name, namespace: entry.body.metadata.namespace },
          { series },
          { type: 'merge', signal: AbortSignal.timeout(writeTimeoutMs) },
        );
        entry.writtenCount = count;
        this.stats.seriesUpdates++;
        return;
      } catch (err) {
        // The Event expired (the API server keeps them for an hour): start a new one.
        if (!isNotFound(err)) throw err;
      }
    }
    const name = eventName(entry.body.regarding.name, entry.lastObserved);
    const body: KubeEvent = { ...entry.body, metadata: { ...entry.body.metadata, name } };
    if (series !== undefined) body.series = series;
    await this.#opts.client.create(CoreResources.Event, body, AbortSignal.timeout(writeTimeoutMs));
    entry.name = name;
    entry.writtenCount = count;
    this.stats.created++;
  }
}

function referenceTo(object: KubeObject): FluxObjectReference {
  const meta = object.metadata;
  return {
    kind: object.kind,
    namespace: meta.namespace,
    name: meta.name,
    uid: meta.uid,
    apiVersion: object.apiVersion,
    resourceVersion: meta.resourceVersion,
  };
}

function apiGroupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

// Events about cluster-scoped objects live in `default`, like client-go's.
function eventNamespace(regarding: FluxObjectReference): string {
  return regarding.namespace === undefined || regarding.namespace === '' ? 'default' : regarding.namespace;
}

// Metadata travels on the Event as annotations too (as Flux does), where the key is valid.
function annotationsFrom(metadata: Record<string, string>): { annotations?: Record<string, string> } {
  const valid = Object.entries(metadata).filter(([key]) => qualifiedKey.test(key) && key.length <= 316);
  return valid.length === 0 ? {} : { annotations: Object.fromEntries(valid) };
}

// `<object>.<hex time><random>` like client-go's `<name>.<hex nanoseconds>`, kept a valid name.
function eventName(objectName: string, time: number): string {
  const suffix = `.${time.toString(16)}${randomBytes(3).toString('hex')}`;
  const prefix = objectName.slice(0, maxNameLength - suffix.length).replace(/[-.]+$/, '');
  return (prefix === '' ? 'event' : prefix) + suffix;
}

/** Kubernetes MicroTime: RFC 3339 in UTC with six fractional digits. */
function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
