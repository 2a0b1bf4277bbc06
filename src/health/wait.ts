// Waiting for a set of objects to become healthy: each round reads every object
// (a few at a time) and computes its health; the wait ends when all are Current
// in the same round, when one is Failed (fail-fast), at the timeout or when
// the caller's signal aborts. NotFound is unhealthy: a health check names
// objects that must exist.
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeObject } from '../api/object.js';
import type { KubeClient } from '../runtime/client/client.js';
import type { DiscoveredResource, DiscoveryCache } from '../runtime/client/discovery.js';
import { isNotFound } from '../runtime/client/errors.js';
import { sanitizeText, truncateChars } from '../runtime/log/sanitize.js';
import type { CompiledHealthChecks } from './cel.js';
import { computeHealth, type HealthResult, type HealthStatus } from './status.js';

export interface HealthRef {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export interface HealthWaitOptions {
  readonly client: Pick<KubeClient, 'get'>;
  readonly discovery: Pick<DiscoveryCache, 'resourceFor'>;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly checks?: CompiledHealthChecks;
  /** Pause between rounds; default 1000 (tests may pass less). */
  readonly pollMs?: number;
  /** Default true: stop as soon as one object is Failed. */
  readonly failFast?: boolean;
  /** Objects read at once; default 8. */
  readonly concurrency?: number;
  /**
   * A fresh copy of an object the caller already holds (e.g. the answer of the apply that just
   * wrote it): the first round judges it without a request; later rounds read it again.
   */
  readonly initial?: (ref: HealthRef) => KubeObject | undefined;
}

export interface UnhealthyObject {
  /** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects. */
  readonly subject: string;
  readonly status: HealthStatus;
  readonly message: string;
}

export interface HealthReport {
  readonly healthy: boolean;
  /** Each object not Current at the end, with its status and why. */
  readonly unhealthy: readonly UnhealthyObject[];
  readonly canceled?: boolean; // the signal aborted
  /** The timeout ran out before every object was Current. */
  readonly timedOut?: boolean;
  /** An object was Failed and failFast stopped the wait. */
  readonly failedFast?: boolean;
}

const DEFAULT_POLL_MS = 1000;
const DEFAULT_CONCURRENCY = 8;
const MAX_MESSAGE_CHARS = 500;
const MAX_LISTED = 20;

export async function waitForHealth(
  refs: readonly HealthRef[],
  opts: HealthWaitOptions,
): Promise<HealthReport> {
  if (refs.length === 0) return { healthy: true, unhealthy: [] };
  const failFast = opts.failFast ?? true;
  const timeout = AbortSignal.timeout(Math.max(0, opts.timeoutMs));
  const stop = AbortSignal.any([opts.signal, timeout]);
  const resolver = new ResourceResolver(opts.discovery);
  const latest: (Observation | undefined)[] = refs.map(() => undefined);
  let first = opts.initial !== undefined;
  const settled: boolean[] = refs.map(() => false);
  for (;;) {
    if (opts.signal.aborted) return report(refs, latest, { canceled: true });
    if (timeout.aborted) return report(refs, latest, { timedOut: true });
    resolver.startRound();
    const given = first ? opts.initial : undefined;
    first = false;
    const round = await mapLimited(refs, opts.concurrency ?? DEFAULT_CONCURRENCY, (ref, i) => {
      // An object the held copy already showed Current is not read again.
      if (given === undefined && settled[i] === true) return Promise.resolve(latest[i]);
      const held = given?.(ref);
      if (held === undefined) return observe(ref, opts, resolver, stop);
      const health = computeHealth(held, opts.checks);
      settled[i] = health.status === 'Current';
      return Promise.resolve({ health });
    });
    round.forEach((result, i) => {
      // A read cut short by the timeout or the caller keeps the last answer.
      if (result !== undefined) latest[i] = result;
    });
    if (latest.every((r) => r?.health.status === 'Current')) return { healthy: true, unhealthy: [] };
    // A Failed verdict from a held copy is confirmed by a read before failing fast.
    if (failFast && given === undefined && latest.some((r) => r?.health.status === 'Failed')) {
      return report(refs, latest, { failedFast: true });
    }
    if (given !== undefined) continue;
    await delay(opts.pollMs ?? DEFAULT_POLL_MS, undefined, { signal: stop }).catch(() => undefined);
  }
}

interface Observation {
  readonly health: HealthResult;
  /** False once discovery said the kind is cluster-scoped. */
  readonly namespaced?: boolean;
}

/** The health of one object now, or undefined when the read was aborted. */
async function observe(
  ref: HealthRef,
  opts: HealthWaitOptions,
  resolver: ResourceResolver,
  signal: AbortSignal,
): Promise<Observation | undefined> {
  const apiVersion = ref.group === '' ? ref.version : `${ref.group}/${ref.version}`;
  let namespaced: boolean | undefined;
  const seen = (health: HealthResult): Observation =>
    namespaced === undefined ? { health } : { health, namespaced };
  try {
    const resource = await resolver.resolve(apiVersion, ref.kind, signal);
    if (resource === undefined) {
      return seen({ status: 'Unknown', message: `the API server serves no ${ref.kind} in ${apiVersion}` });
    }
    namespaced = resource.namespaced;
    const namespace = resource.namespaced ? ref.namespace : undefined;
    const obj = await opts.client.get<KubeObject>(resource, ref.name, namespace, signal);
    return seen(computeHealth(obj, opts.checks));
  } catch (err) {
    if (signal.aborted) return undefined;
    if (isNotFound(err)) return seen({ status: 'NotFound', message: `${ref.kind} not found` });
    const reason = err instanceof Error ? err.message : String(err);
    return seen({ status: 'Unknown', message: `reading the ${ref.kind} failed: ${reason}` });
  }
}

/** Discovery lookups for one wait: a kind found is kept; one not served is asked again next round. */
class ResourceResolver {
  readonly #known = new Map<string, DiscoveredResource>();
  // Shares one lookup between the objects of a kind within a round.
  readonly #round = new Map<string, Promise<DiscoveredResource | undefined>>();
  constructor(private readonly discovery: Pick<DiscoveryCache, 'resourceFor'>) {}

  startRound(): void {
    this.#round.clear();
  }

  async resolve(
    apiVersion: string,
    kind: string,
    signal: AbortSignal,
  ): Promise<DiscoveredResource | undefined> {
    const key = `${apiVersion}/${kind}`;
    const known = this.#known.get(key);
    if (known !== undefined) return known;
    let pending = this.#round.get(key);
    if (pending === undefined) {
      pending = this.discovery.resourceFor(apiVersion, kind, signal).then((found) => {
        if (found !== undefined) this.#known.set(key, found);
        return found;
      });
      this.#round.set(key, pending);
    }
    return pending;
  }
}

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

function report(
  refs: readonly HealthRef[],
  latest: readonly (Observation | undefined)[],
  outcome: { canceled?: true; timedOut?: true; failedFast?: true },
): HealthReport {
  const unhealthy: UnhealthyObject[] = [];
  refs.forEach((ref, i) => {
    const seen = latest[i];
    if (seen?.health.status === 'Current') return;
    unhealthy.push({
      subject: subjectOf(seen?.namespaced === false ? { ...ref, namespace: '' } : ref),
      status: seen?.health.status ?? 'Unknown',
      message: cleanMessage(seen?.health.message ?? 'no status was read before the wait ended'),
    });
  });
  return { healthy: false, unhealthy, ...outcome };
}

/** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects (no namespace). */
export function subjectOf(ref: Pick<HealthRef, 'kind' | 'namespace' | 'name'>): string {
  return ref.namespace === '' ? `${ref.kind}/${ref.name}` : `${ref.kind}/${ref.namespace}/${ref.name}`;
}

function cleanMessage(message: string): string {
  return truncateChars(sanitizeText(message.replace(/\s+/g, ' ').trim()), MAX_MESSAGE_CHARS);
}

/**
 * One line naming each object that kept the wait from succeeding and why:
 * `timeout waiting for: [Deployment/ns/web status: 'InProgress': Deployment does not have minimum availability: ...]`.
 * After fail-fast only the failed objects are named. Empty for a healthy report.
 */
export function describeUnhealthy(report: HealthReport): string {
  if (report.healthy) return '';
  let prefix = 'timeout waiting for';
  let listed = report.unhealthy;
  if (report.canceled === true) {
    prefix = 'canceled while waiting for';
  } else if (report.failedFast === true) {
    prefix = 'failed early due to stalled resources';
    listed = report.unhealthy.filter((u) => u.status === 'Failed');
  }
  const entries = listed.slice(0, MAX_LISTED).map((u) => `${u.subject} status: '${u.status}': ${u.message}`);
  if (listed.length > MAX_LISTED) entries.push(`and ${listed.length - MAX_LISTED} more`);
  return `${prefix}: [${entries.join(', ')}]`;
}
