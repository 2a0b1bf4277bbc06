// Polling the cluster between stages (CRDs Established, Namespaces Active) and
// after deletes (objects gone).
import type { KubeObject } from '../api/object.js';
import type { KubeClient } from '../runtime/client/client.js';
import { isNotFound } from '../runtime/client/errors.js';
import type { ResourceType } from '../runtime/client/resource.js';
import { groupOf } from './object-id.js';

export const POLL_INTERVAL_MS = 500;

export interface LiveRef {
  readonly res: ResourceType;
  readonly name: string;
  readonly namespace: string;
  readonly subject: string;
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/**
 * Why a stage-one object is not ready yet (undefined when it is): a CRD must be
 * Established, a Namespace Active; anything else is ready once it exists.
 */
export function notReadyReason(obj: KubeObject): string | undefined {
  const status = obj.status as { conditions?: Condition[]; phase?: string } | undefined;
  if (obj.kind === 'CustomResourceDefinition' && groupOf(obj.apiVersion) === 'apiextensions.k8s.io') {
    const conditions = status?.conditions ?? [];
    if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) return undefined;
    const names = conditions.find((c) => c.type === 'NamesAccepted' && c.status === 'False');
    return names === undefined
      ? 'not Established yet'
      : `names not accepted: ${names.message ?? names.reason ?? ''}`;
  }
  if (obj.kind === 'Namespace' && obj.apiVersion === 'v1') {
    return status?.phase === 'Active' ? undefined : `phase is ${status?.phase ?? 'unknown'}, not Active`;
  }
  return undefined;
}

export interface PollOptions {
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly intervalMs?: number;
}

/**
 * Polls each ref until `done(live)` (live is undefined once the object is gone)
 * holds for all; returns the refs still not done at the deadline, each with the
 * last reason `done` gave. Errors of the GET other than NotFound are thrown.
 */
export async function pollUntil(
  client: KubeClient,
  refs: readonly LiveRef[],
  done: (live: KubeObject | undefined) => string | undefined,
  opts: PollOptions,
): Promise<{ ref: LiveRef; reason: string }[]> {
  const deadline = Date.now() + opts.timeoutMs;
  let pending = refs.map((ref) => ({ ref, reason: 'not checked' }));
  for (;;) {
    const checked = await Promise.all(
      pending.map(async (p) => {
        let live: KubeObject | undefined;
        try {
          live = await client.get(p.ref.res, p.ref.name, p.ref.namespace, opts.signal);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        return { ref: p.ref, reason: done(live) };
      }),
    );
    pending = checked.flatMap((c) => (c.reason === undefined ? [] : [{ ref: c.ref, reason: c.reason }]));
    if (pending.length === 0 || Date.now() >= deadline) return pending;
    await sleep(
      Math.min(opts.intervalMs ?? POLL_INTERVAL_MS, Math.max(0, deadline - Date.now())),
      opts.signal,
    );
  }
}
