// Waiting for the controllers: until an object is reconciled (Ready or failed for its
// generation, and a reconcile request handled), or gone. Polls, bounded by --timeout and
// ctx.signal; a timeout is its own exit code.
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../../runtime/client/client.js';
import { isNotFound } from '../../runtime/client/errors.js';
import type { ResourceType } from '../../runtime/client/resource.js';
import { CliError, ExitCode } from '../context.js';
import { goDuration } from './go-duration.js';
import { describeRef, type ObjectRef } from './object-ref.js';
import { readiness, statusOf, type Readiness } from './status.js';

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** Between reads; 500 ms unless set. */
  readonly pollMs?: number;
  /** Called with what is being waited for, whenever it changes (progress display). */
  readonly onMessage?: (message: string) => void;
}

export type Poll<T> =
  { readonly done: true; readonly value: T } | { readonly done: false; readonly message: string };

/** Calls check until it is done; a CliError (exit code `timeout`) names `what` and the last message. */
export async function pollUntil<T>(
  what: string,
  opts: WaitOptions,
  check: () => Promise<Poll<T>>,
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = '';
  for (;;) {
    if (opts.signal.aborted) throw new CliError(`interrupted while waiting for ${what}`);
    const result = await check();
    if (result.done) return result.value;
    if (result.message !== last) {
      last = result.message;
      opts.onMessage?.(last);
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new CliError(
        `timed out after ${goDuration(opts.timeoutMs)} waiting for ${what}${last === '' ? '' : `: ${last}`}`,
        ExitCode.timeout,
      );
    }
    try {
      await sleep(Math.min(opts.pollMs ?? 500, left), undefined, { signal: opts.signal });
    } catch {
      throw new CliError(`interrupted while waiting for ${what}`);
    }
  }
}

export interface Reconciled<T extends KubeObject> {
  readonly object: T;
  readonly readiness: Exclude<Readiness, { state: 'progressing' }>;
}

/**
 * Waits until the object is Ready or has failed for its current generation and, with
 * `token`, until its controller has handled that reconcile request
 * (status.lastHandledReconcileAt).
 */
export async function waitReconciled<T extends KubeObject>(
  client: KubeClient,
  res: ResourceType,
  ref: ObjectRef,
  opts: WaitOptions & { readonly token?: string },
): Promise<Reconciled<T>> {
  return pollUntil(`${describeRef(ref)} to be reconciled`, opts, async () => {
    let object: T;
    try {
      object = await client.get<T>(res, ref.name, ref.namespace, opts.signal);
    } catch (err) {
      if (isNotFound(err)) throw new CliError(`${describeRef(ref)} was deleted while waiting for it`);
      throw err;
    }
    const status = statusOf(object);
    if (opts.token !== undefined && status.lastHandledReconcileAt !== opts.token) {
      return {
        done: false,
        message: `the reconcile request has not been handled yet${unhandledHint(object)}`,
      };
    }
    const state = readiness(object);
    if (state.state === 'progressing') {
      return { done: false, message: state.message + unhandledHint(object) };
    }
    return { done: true, value: { object, readiness: state } };
  });
}

// An object no controller ever touched has no conditions: say what is likely wrong.
function unhandledHint(obj: KubeObject): string {
  const status = statusOf(obj);
  if ((status.conditions ?? []).length > 0 || status.lastHandledReconcileAt !== undefined) return '';
  return ` (no controller has reconciled ${obj.kind} ${obj.metadata.name} yet: is Tide running against this cluster?)`;
}

/** Waits until the object no longer exists (its finalizers have run). */
export async function waitDeleted(
  client: KubeClient,
  res: ResourceType,
  ref: ObjectRef,
  opts: WaitOptions,
): Promise<void> {
  await pollUntil(`${describeRef(ref)} to be deleted`, opts, async () => {
    try {
      const obj = await client.get(res, ref.name, ref.namespace, opts.signal);
      const finalizers = obj.metadata.finalizers ?? [];
      return {
        done: false,
        message:
          finalizers.length > 0
            ? `waiting for finalizers ${finalizers.join(', ')} (the controller runs them)`
            : 'waiting for the API server to remove it',
      };
    } catch (err) {
      if (isNotFound(err)) return { done: true, value: undefined };
      throw err;
    }
  });
}
