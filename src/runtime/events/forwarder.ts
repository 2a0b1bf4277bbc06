// Forwarding of events to Flux's notification-controller (`--events-addr`): each
// event is POSTed as a Flux Event JSON document. Delivery is best effort and never
// blocks the caller: a bounded queue, a few workers, a 5 s timeout per attempt, and
// retries with backoff on network errors and 5xx. A 429 means the receiver already
// has this event (it rate-limits duplicates), so it is not retried.
import { sleep } from '../client/rate-limiter.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { sanitizeText, truncateChars } from '../log/sanitize.js';

/** Annotations with this prefix on the involved object travel as event metadata. */
export const eventAnnotationPrefix = 'event.toolkit.fluxcd.io/';
/** notification-controller rejects longer messages. */
export const maxFluxMessageLength = 39_000;

export type FluxSeverity = 'trace' | 'info' | 'error';

export interface FluxObjectReference {
  readonly kind: string;
  readonly namespace?: string | undefined;
  readonly name: string;
  readonly uid?: string | undefined;
  readonly apiVersion?: string | undefined;
  readonly resourceVersion?: string | undefined;
}

/** The document notification-controller accepts (fluxcd/pkg apis/event/v1beta1 Event). */
export interface FluxEvent {
  readonly involvedObject: FluxObjectReference;
  readonly severity: FluxSeverity;
  /** RFC 3339, seconds precision. */
  readonly timestamp: string;
  readonly message: string;
  readonly reason: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly reportingController: string;
  readonly reportingInstance?: string;
}

/** Kubernetes event type to Flux severity: Warning is an error, Trace stays local. */
export function severityFor(type: string): FluxSeverity {
  if (type === 'Warning') return 'error';
  if (type === 'Trace') return 'trace';
  return 'info';
}

/**
 * Event metadata, lowest precedence first: the object's `event.toolkit.fluxcd.io/`
 * annotations (keys kept whole; notification-controller strips the prefix), then
 * the caller's keys, prefixed with the emitter's API group unless already qualified.
 */
export function eventMetadata(opts: {
  readonly group: string;
  readonly annotations?: Readonly<Record<string, string>> | undefined;
  readonly metadata?: Readonly<Record<string, string>> | undefined;
}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(opts.annotations ?? {})) {
    if (key.startsWith(eventAnnotationPrefix) && key.length > eventAnnotationPrefix.length) out[key] = value;
  }
  for (const [key, value] of Object.entries(opts.metadata ?? {})) {
    out[key.includes('/') || opts.group === '' ? key : `${opts.group}/${key}`] = value;
  }
  return out;
}

/** Builds the Flux Event for a recorded event; the message is sanitized and capped. */
export function newFluxEvent(opts: {
  readonly involvedObject: FluxObjectReference;
  readonly type: string;
  readonly reason: string;
  readonly message: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly reportingController: string;
  readonly reportingInstance: string;
  readonly time: number;
}): FluxEvent {
  const event: FluxEvent = {
    involvedObject: opts.involvedObject,
    severity: severityFor(opts.type),
    timestamp: formatRfc3339(opts.time),
    message: truncateChars(sanitizeText(opts.message), maxFluxMessageLength),
    reason: opts.reason,
    reportingController: opts.reportingController,
    reportingInstance: opts.reportingInstance,
  };
  return Object.keys(opts.metadata).length === 0 ? event : { ...event, metadata: opts.metadata };
}

export function formatRfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Where the recorder hands Flux events; EventForwarder is the HTTP one. */
export interface FluxEventSink {
  /** Must return at once and never throw. */
  forward(event: FluxEvent): void;
  flush(): Promise<void>;
}

export interface EventForwarderOptions {
  /** The events address, e.g. `http://notification-controller.flux-system.svc.cluster.local./`. */
  readonly address: string;
  readonly timeoutMs?: number;
  /** Attempts per event, the first included. */
  readonly maxAttempts?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Events waiting beyond this are dropped (and logged). */
  readonly maxQueue?: number;
  readonly concurrency?: number;
  readonly logger?: Logger;
}

export interface ForwarderStats {
  delivered: number;
  /** Answered 429: the receiver had it already. */
  duplicates: number;
  failed: number;
  dropped: number;
}

export class EventForwarder implements FluxEventSink {
  readonly stats: ForwarderStats = { delivered: 0, duplicates: 0, failed: 0, dropped: 0 };
  readonly #url: URL;
  readonly #opts: EventForwarderOptions;
  readonly #log: Logger;
  readonly #queue: FluxEvent[] = [];
  readonly #closing = new AbortController();
  readonly #idleWaiters: (() => void)[] = [];
  #active = 0;

  constructor(opts: EventForwarderOptions) {
    const url = new URL(opts.address);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`events address must be an http(s) URL, got ${url.protocol}`);
    }
    this.#url = url;
    this.#opts = opts;
    this.#log = (opts.logger ?? silentLogger).with({ eventsAddr: `${url.protocol}//${url.host}` });
  }

  /** Queues the event for delivery; returns at once. Trace events are not forwarded. */
  forward(event: FluxEvent): void {
    if (event.severity === 'trace' || this.#closing.signal.aborted) return;
    if (this.#queue.length >= (this.#opts.maxQueue ?? 1000)) {
      this.stats.dropped++;
      this.#log.error('event forwarding queue is full, dropping event', { reason: event.reason });
      return;
    }
    this.#queue.push(event);
    this.#pump();
  }

  /** Resolves when every queued event has been delivered or given up on. */
  flush(): Promise<void> {
    if (this.#active === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops accepting events and abandons retries; resolves when in-flight requests end. */
  async close(): Promise<void> {
    this.#closing.abort();
    this.stats.dropped += this.#queue.length;
    this.#queue.length = 0;
    await this.flush();
  }

  #pump(): void {
    while (this.#active < (this.#opts.concurrency ?? 2) && this.#queue.length > 0) {
      const event = this.#queue.shift();
      if (event === undefined) break;
      this.#active++;
      void this.#deliver(event).finally(() => {
        this.#active--;
        this.#pump();
        if (this.#active === 0 && this.#queue.length === 0) {
          for (const resolve of this.#idleWaiters.splice(0)) resolve();
        }
      });
    }
  }

  async #deliver(event: FluxEvent): Promise<void> {
    const body = JSON.stringify(event);
    const attempts = this.#opts.maxAttempts ?? 4;
    let backoff = this.#opts.initialBackoffMs ?? 1000;
    let lastError = '';
    for (let attempt = 1; attempt <= attempts && !this.#closing.signal.aborted; attempt++) {
      const result = await this.#post(body);
      if (result.outcome === 'done') {
        if (result.status === 429) this.stats.duplicates++;
        else this.stats.delivered++;
        return;
      }
      lastError = result.error;
      if (result.outcome === 'rejected') break;
      if (attempt < attempts) await sleep(backoff, this.#closing.signal).catch(() => undefined);
      backoff = Math.min(backoff * 2, this.#opts.maxBackoffMs ?? 30_000);
    }
    this.stats.failed++;
    this.#log.error('failed to forward event', { reason: event.reason, error: lastError });
  }

  async #post(
    body: string,
  ): Promise<{ outcome: 'done'; status: number } | { outcome: 'retry' | 'rejected'; error: string }> {
    const signal = AbortSignal.any([this.#closing.signal, AbortSignal.timeout(this.#opts.timeoutMs ?? 5000)]);
    try {
      const res = await fetch(this.#url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
        signal,
        redirect: 'error',
      });
      await res.body?.cancel();
      // 2xx delivered; 429 duplicate, dropped by the receiver: both final.
      if (res.ok || res.status === 429) return { outcome: 'done', status: res.status };
      const error = `HTTP ${res.status}`;
      return res.status >= 500 && res.status !== 501
        ? { outcome: 'retry', error }
        : { outcome: 'rejected', error };
    } catch (err) {
      return { outcome: 'retry', error: describeError(err) };
    }
  }
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // fetch reports "fetch failed" and puts the reason (ECONNREFUSED...) in cause.
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return sanitizeText(err.message + cause);
}
