// The reconcile skeleton every Flux kind shares: get → deletion/finalizer → suspend →
// steps → summarize conditions and write status once through server-side apply.
import { ConditionType, FLUX_FINALIZER, Reason, Annotation } from '../../api/meta/conditions.js';
import type { Condition } from '../../api/meta/status.js';
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../client/client.js';
import { isConflict, isNotFound } from '../client/errors.js';
import type { ResourceType } from '../client/resource.js';
import { done, type ReconcileContext, type Request, type Result } from '../controller/controller.js';
import type { Logger } from '../log/logger.js';
import type { EventRecorder } from '../events/recorder.js';
import type { RuntimeMetrics } from '../metrics/metrics.js';
import { Conditions, summarize, type Outcome } from './conditions.js';
import { StalledError, WaitError, messageOf, reasonOf } from './errors.js';
import { addFinalizer, removeFinalizer } from './finalizers.js';

/** The status fields every Flux kind has. */
export interface FluxStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  lastHandledReconcileAt?: string;
  [field: string]: unknown;
}

export type FluxObject = KubeObject<{ suspend?: boolean }, FluxStatus>;

export interface ReconcileState<T extends FluxObject> {
  readonly object: T;
  readonly conditions: Conditions;
  /** Working copy of the status; written once at the end. */
  readonly status: FluxStatus;
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Ready's reason and message on success; steps refine them. */
  ready: { reason: string; message: string };
  /** Fields for the one log line of this reconcile (e.g. revision). */
  readonly logFields: Record<string, unknown>;
  /** Metadata of the outcome's event (e.g. `<group>/revision`). */
  readonly eventMetadata: Record<string, string>;
  /** Emit the success event even when the object was not failing (e.g. a new revision was applied). */
  announceSuccess: boolean;
  /** Publishes the current status now (long steps show progress). */
  patchStatus(): Promise<void>;
  /** Records events about this object (none when the controller has no recorder). */
  readonly events: EventRecorder | undefined;
}

export type Step<T extends FluxObject> = (state: ReconcileState<T>) => Promise<Result>;

export interface ObjectReconcilerOptions<T extends FluxObject> {
  readonly client: KubeClient;
  readonly resource: ResourceType;
  /** Field manager for status writes (e.g. `source-controller`). */
  readonly fieldManager: string;
  readonly steps: readonly Step<T>[];
  /** Cleanup before the finalizer is removed; throw to retry. */
  readonly finalize?: (object: T, ctx: ReconcileContext) => Promise<void>;
  readonly metrics?: RuntimeMetrics;
  /**
   * The informer's copy of the object, read instead of a GET (as controller-runtime reads its
   * cache). It can trail the server by one of our own writes; finalizer patches carry the
   * resourceVersion, so a stale copy fails with a conflict and is retried, never overwrites.
   */
  readonly cached?: (request: Request) => T | undefined;
  /** Failures are recorded as Warning events (and forwarded to --events-addr). */
  readonly events?: EventRecorder;
  readonly now?: () => Date;
}

export async function reconcileObject<T extends FluxObject>(
  opts: ObjectReconcilerOptions<T>,
  request: Request,
  ctx: ReconcileContext,
): Promise<Result> {
  const { client, resource } = opts;
  const labels = { kind: resource.kind, name: request.name, namespace: request.namespace ?? '' };
  let object: T;
  const cached = opts.cached?.(request);
  try {
    object =
      cached !== undefined
        ? structuredClone(cached)
        : await client.get<T>(resource, request.name, request.namespace, ctx.signal);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    opts.metrics?.forgetObject(labels);
    return done;
  }
  if (object.metadata.deletionTimestamp !== undefined) {
    if (object.metadata.finalizers?.includes(FLUX_FINALIZER) === true) {
      await opts.finalize?.(object, ctx);
      await removeFinalizer(client, resource, object, FLUX_FINALIZER, ctx.signal);
      ctx.log.info('finalized', { kind: resource.kind });
    }
    opts.metrics?.forgetObject(labels);
    return done;
  }
  try {
    object = await addFinalizer(client, resource, object, FLUX_FINALIZER, ctx.signal);
  } catch (err) {
    // A cached copy older than the server's: read it fresh once.
    if (cached === undefined || !isConflict(err)) throw err;
    object = await client.get<T>(resource, request.name, request.namespace, ctx.signal);
    object = await addFinalizer(client, resource, object, FLUX_FINALIZER, ctx.signal);
  }
  const suspended = object.spec?.suspend === true;
  opts.metrics?.suspendStatus.set(labels, suspended ? 1 : 0);
  if (suspended) {
    ctx.log.info('reconciliation is suspended for this object', { kind: resource.kind });
    return done;
  }
  return runSteps(opts, object, ctx, labels);
}

async function runSteps<T extends FluxObject>(
  opts: ObjectReconcilerOptions<T>,
  object: T,
  ctx: ReconcileContext,
  labels: { kind: string; name: string; namespace: string },
): Promise<Result> {
  const generation = object.metadata.generation ?? 0;
  const status: FluxStatus = structuredClone(object.status ?? {});
  // An unchanged status is not written again: a no-change poll then costs no write.
  const observedStatus = JSON.stringify(object.status ?? {});
  const conditions = new Conditions(status.conditions, generation, opts.now);
  // Published with the final status only: clients (`tide reconcile`) take it as "done".
  const requestedAt = object.metadata.annotations?.[Annotation.ReconcileRequestedAt];
  const state: ReconcileState<T> = {
    object,
    conditions,
    status,
    signal: ctx.signal,
    log: ctx.log,
    ready: { reason: Reason.Succeeded, message: 'reconciliation succeeded' },
    logFields: {},
    eventMetadata: {},
    announceSuccess: false,
    patchStatus: () => writeStatus(opts, object, status, conditions),
    events: opts.events,
  };
  const wasFailing = conditions.get(ConditionType.Ready)?.status === 'False';
  if (status.observedGeneration !== generation) {
    conditions.markReconciling(Reason.Progressing, `processing object: new generation ${generation}`);
    if (!conditions.has(ConditionType.Ready)) {
      conditions.markUnknown(ConditionType.Ready, Reason.Progressing, 'reconciliation in progress');
    }
    await state.patchStatus();
  }
  const started = performance.now();
  let outcome: Outcome = { kind: 'retry', reason: Reason.Failed, message: 'reconcile did not finish' };
  let result: Result = done;
  try {
    for (const step of opts.steps) {
      const stepResult = await step(state);
      result = lowerRequeue(result, stepResult);
    }
    outcome = { kind: 'success', reason: state.ready.reason, message: state.ready.message };
    return result;
  } catch (err) {
    const message = messageOf(err);
    outcome =
      err instanceof StalledError
        ? { kind: 'stalled', reason: err.reason, message }
        : { kind: 'retry', reason: reasonOf(err, Reason.ReconciliationFailed), message };
    throw err;
  } finally {
    if (summarize(conditions, outcome)) status.observedGeneration = generation;
    if (requestedAt !== undefined) status.lastHandledReconcileAt = requestedAt;
    const seconds = (performance.now() - started) / 1000;
    try {
      status.conditions = conditions.toList();
      if (JSON.stringify(status) !== observedStatus) await writeStatus(opts, object, status, conditions);
    } finally {
      opts.metrics?.reconcileDuration.observe(labels, seconds);
      opts.metrics?.recordCondition(labels, ConditionType.Ready, conditions.get(ConditionType.Ready)?.status);
      const line = {
        kind: labels.kind,
        outcome: outcome.kind,
        reason: outcome.reason,
        durationMs: Math.round(seconds * 1000),
        ...state.logFields,
      };
      if (outcome.kind === 'success') {
        ctx.log.info(outcome.message, line);
        // One event when a failing object recovers.
        if (wasFailing || state.announceSuccess)
          opts.events?.normal(object, outcome.reason, outcome.message, state.eventMetadata);
      } else {
        ctx.log.error(outcome.message, line);
        opts.events?.warning(object, outcome.reason, outcome.message, state.eventMetadata);
      }
    }
  }
}

function lowerRequeue(a: Result, b: Result): Result {
  if (a.kind === 'done') return b;
  if (b.kind === 'done') return a;
  return a.afterMs <= b.afterMs ? a : b;
}

async function writeStatus<T extends FluxObject>(
  opts: ObjectReconcilerOptions<T>,
  object: T,
  status: FluxStatus,
  conditions: Conditions,
): Promise<void> {
  status.conditions = conditions.toList();
  await opts.client.apply(
    opts.resource,
    {
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata: { name: object.metadata.name, namespace: object.metadata.namespace ?? '' },
      status,
    },
    { fieldManager: opts.fieldManager, force: true, subresource: 'status' },
  );
}

export { WaitError, StalledError };
