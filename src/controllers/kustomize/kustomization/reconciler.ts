// KustomizationReconciler: the skeleton plus its steps — source (find the artifact),
// dependencies, build (fetch, kustomize, SOPS, substitution), then apply, prune and
// health as the tenant on the target cluster, with history and events. Deletion runs
// the deletionPolicy through the finalizer.
import { Reason } from '../../../api/meta/conditions.js';
import type { ResourceRef } from '../../../api/meta/inventory.js';
import { ApplyEngine } from '../../../apply/index.js';
import { formatDuration } from '../../../runtime/manager/duration.js';
import {
  requeueAfter,
  type ReconcileContext,
  type Reconciler,
  type Request,
  type Result,
} from '../../../runtime/controller/controller.js';
import {
  ReconcileError,
  StalledError,
  WaitError,
  messageOf,
  reasonOf,
} from '../../../runtime/reconcile/errors.js';
import { reconcileObject } from '../../../runtime/reconcile/skeleton.js';
import type { KustomizationDeps, KustomizationObject, KustomizationState, Scratch } from './deps.js';
import { newScratch } from './deps.js';
import { recordHistory } from './history.js';
import { EventMetadata, FIELD_MANAGER, OwnerLabel } from './names.js';
import { reconcileApply, revisionMetadata } from './reconcile-apply.js';
import { reconcileBuild } from './reconcile-build.js';
import { reconcileDependencies } from './reconcile-dependencies.js';
import { reconcileHealth } from './reconcile-health.js';
import { reconcileSource } from './reconcile-source.js';
import { Kustomizations } from './resources.js';
import { intervalMs, retryIntervalMs, timeoutMs } from './timing.js';

export class KustomizationReconciler implements Reconciler {
  readonly #deps: KustomizationDeps;

  constructor(deps: KustomizationDeps) {
    this.#deps = deps;
  }

  async reconcile(request: Request, ctx: ReconcileContext): Promise<Result> {
    const deps = this.#deps;
    const scratch = newScratch();
    try {
      return await reconcileObject<KustomizationObject>(
        {
          client: deps.client,
          resource: Kustomizations,
          fieldManager: FIELD_MANAGER,
          metrics: deps.metrics,
          events: deps.events,
          ...(deps.cached === undefined
            ? {}
            : {
                cached: (r: Request) => deps.cached?.(r.namespace ?? '', r.name),
              }),
          steps: [
            (s) => retrying(s, () => reconcileSource(s, deps, scratch)),
            (s) => retrying(s, () => reconcileDependencies(s, deps, scratch)),
            (s) => retrying(s, () => reconcileBuild(s, deps, scratch)),
            (s) => retrying(s, () => this.#applyAndVerify(s, scratch)),
          ],
          finalize: (object, c) => this.#finalize(object, c),
        },
        request,
        ctx,
      );
    } finally {
      scratch.artifact?.release();
    }
  }

  /** Apply, prune and health, recorded in history whatever the outcome. */
  async #applyAndVerify(state: KustomizationState, scratch: Scratch): Promise<Result> {
    const deps = this.#deps;
    const obj = state.object;
    const source = scratch.source;
    if (source === undefined) throw new Error('no source resolved');
    Object.assign(state.eventMetadata, revisionMetadata(scratch));
    const previousRevision = obj.status?.lastAppliedRevision;
    let outcome: string = Reason.ReconciliationSucceeded;
    try {
      const access = await deps.tenancy.access(obj, state.signal);
      await reconcileApply(state, deps, scratch, access);
      await reconcileHealth(state, deps, access, scratch.applied);
    } catch (err) {
      outcome = reasonOf(err, Reason.ReconciliationFailed);
      throw err;
    } finally {
      if (scratch.digest !== undefined) {
        state.status.history = recordHistory(obj.status?.history, {
          digest: scratch.digest,
          status: outcome,
          at: new Date(),
          durationMs: performance.now() - scratch.startedAt,
          metadata: {
            revision: source.artifact.revision,
            ...(source.originRevision === undefined ? {} : { originRevision: source.originRevision }),
          },
        });
      }
    }
    const seconds = ((performance.now() - scratch.startedAt) / 1000).toFixed(3).replace(/\.?0+$/, '');
    state.ready = {
      reason: Reason.ReconciliationSucceeded,
      message: `Applied revision: ${source.artifact.revision}`,
    };
    state.eventMetadata[EventMetadata.commitStatus] = 'update';
    state.announceSuccess = previousRevision !== source.artifact.revision;
    state.logFields.message = `Reconciliation finished in ${seconds}s, next run in ${formatDuration(intervalMs(obj))}`;
    return requeueAfter(intervalMs(obj));
  }

  /** deletionPolicy: MirrorPrune (delete when prune), Delete, WaitForTermination, Orphan. */
  async #finalize(object: KustomizationObject, ctx: ReconcileContext): Promise<void> {
    const deps = this.#deps;
    const policy = object.spec?.deletionPolicy ?? 'MirrorPrune';
    const entries: ResourceRef[] = object.status?.inventory?.entries ?? [];
    const shouldDelete =
      policy === 'Delete' ||
      policy === 'WaitForTermination' ||
      (policy === 'MirrorPrune' && object.spec?.prune === true);
    if (!shouldDelete || entries.length === 0 || object.spec?.suspend === true) {
      ctx.log.info('finalized without deleting applied objects', { policy, objects: entries.length });
      return;
    }
    let access;
    try {
      access = await deps.tenancy.access(object, ctx.signal);
    } catch (err) {
      if (err instanceof StalledError) {
        // The identity or the remote cluster is gone for good: nothing can be deleted as it.
        ctx.log.error('cannot delete applied objects; leaving them', { error: messageOf(err) });
        return;
      }
      throw err;
    }
    const engine = new ApplyEngine({
      client: access.client,
      discovery: access.discovery,
      fieldManager: FIELD_MANAGER,
      concurrency: deps.concurrentSsa,
      customStageKinds: deps.customApplyStageKinds,
      logger: ctx.log,
    });
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs(object))]);
    const result = await engine.prune([...entries].reverse(), {
      ownerLabels: {
        [OwnerLabel.name]: object.metadata.name,
        [OwnerLabel.namespace]: object.metadata.namespace ?? '',
      },
      signal,
    });
    const deleted = result.entries.filter((e) => e.action === 'deleted');
    if (deleted.length > 0) {
      deps.events?.normal(object, 'Progressing', deleted.map((e) => `${e.subject} deleted`).join('\n'));
    }
    if (result.failed.length > 0) {
      const message = `prune failed for ${result.failed.map((f) => `${f.subject}: ${f.message}`).join('; ')}`;
      deps.events?.warning(object, Reason.PruneFailed, message);
      throw new ReconcileError(Reason.PruneFailed, message);
    }
    if (policy === 'WaitForTermination') {
      const deletedIds = new Set(deleted.map((e) => e.id));
      await engine.waitForTermination(
        entries.filter((e) => deletedIds.has(e.id)),
        { timeoutMs: timeoutMs(object), signal: ctx.signal },
      );
    }
  }
}

/** A failed step is retried after spec.retryInterval (Flux), not the exponential backoff. */
async function retrying(state: KustomizationState, step: () => Promise<Result>): Promise<Result> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof StalledError || err instanceof WaitError) throw err;
    if (err instanceof ReconcileError) {
      throw new WaitError(err.reason, err.message, retryIntervalMs(state.object), { cause: err });
    }
    throw err;
  }
}
