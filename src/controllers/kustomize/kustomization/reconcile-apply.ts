// Step 4: apply the built objects with server-side apply (as the tenant, on the target
// cluster), then prune what the previous inventory had and this build does not. A
// failed apply changes neither the inventory nor anything on the cluster beyond what
// it applied: nothing is pruned. A failed delete keeps its object in the inventory so
// the next reconcile retries it.
import { Reason } from '../../../api/meta/conditions.js';
import type { ResourceInventory } from '../../../api/meta/inventory.js';
import {
  ApplyEngine,
  ApplyError,
  changeSetSummary,
  inventoryOf,
  staleRefs,
  type ChangeSetEntry,
} from '../../../apply/index.js';
import { done, type Result } from '../../../runtime/controller/controller.js';
import { ReconcileError } from '../../../runtime/reconcile/errors.js';
import type { KustomizationDeps, KustomizationState, Scratch } from './deps.js';
import { EventMetadata, FIELD_MANAGER, OwnerLabel } from './names.js';
import type { ClusterAccess } from './tenant.js';
import { timeoutMs } from './timing.js';

export async function reconcileApply(
  state: KustomizationState,
  deps: KustomizationDeps,
  scratch: Scratch,
  access: ClusterAccess,
): Promise<Result> {
  const obj = state.object;
  const objects = scratch.objects ?? [];
  const source = scratch.source;
  if (source === undefined) throw new Error('reconcileApply: no source resolved');
  const engine = new ApplyEngine({
    client: access.client,
    discovery: access.discovery,
    fieldManager: FIELD_MANAGER,
    concurrency: deps.concurrentSsa,
    customStageKinds: deps.customApplyStageKinds,
    logger: state.log,
    ...(deps.applyMemo === undefined ? {} : { memo: deps.applyMemo }),
  });
  const signal = AbortSignal.any([state.signal, AbortSignal.timeout(timeoutMs(obj))]);
  let changeSet: ChangeSetEntry[];
  try {
    changeSet = await engine.apply(objects, {
      force: obj.spec?.force === true,
      signal,
      stageTimeoutMs: timeoutMs(obj),
    });
  } catch (err) {
    if (err instanceof ApplyError) {
      throw new ReconcileError(Reason.ReconciliationFailed, applyFailure(err, access), { cause: err });
    }
    throw err;
  }
  scratch.applied = engine.applied;
  let inventory: ResourceInventory = inventoryOf(changeSet);
  const entries: ChangeSetEntry[] = [...changeSet];
  let pruneFailure: string | undefined;
  if (obj.spec?.prune === true) {
    const stale = staleRefs(obj.status?.inventory, inventory);
    if (stale.length > 0) {
      const pruned = await engine.prune(stale, {
        ownerLabels: {
          [OwnerLabel.name]: obj.metadata.name,
          [OwnerLabel.namespace]: obj.metadata.namespace ?? '',
        },
        signal,
      });
      entries.push(...pruned.entries.filter((e) => e.action === 'deleted'));
      if (pruned.failed.length > 0) {
        // Survivors stay in the inventory so the next reconcile deletes them.
        inventory = { entries: [...inventory.entries, ...pruned.failed.map((f) => f.ref)] };
        pruneFailure = `prune failed for ${pruned.failed.map((f) => `${f.subject}: ${f.message}`).join('; ')}`;
      }
    }
  }
  state.status.inventory = inventory;
  const summary = changeSetSummary(entries);
  // The whole change set (unchanged and skipped objects too) goes to the log; the event
  // names only what changed, so a no-op reconcile makes no event.
  const actions = Object.fromEntries(entries.map((e) => [e.subject, e.action]));
  if (summary !== '') {
    state.log.info('server-side apply completed', { revision: source.artifact.revision, changeSet: actions });
    state.events?.normal(obj, 'Progressing', summary, revisionMetadata(scratch));
  } else {
    state.log.debug('server-side apply completed', {
      revision: source.artifact.revision,
      changeSet: actions,
    });
  }
  if (pruneFailure !== undefined) throw new ReconcileError(Reason.PruneFailed, pruneFailure);
  state.status.lastAppliedRevision = source.artifact.revision;
  if (source.originRevision !== undefined) state.status.lastAppliedOriginRevision = source.originRevision;
  else delete state.status.lastAppliedOriginRevision;
  return done;
}

export function revisionMetadata(scratch: Scratch): Record<string, string> {
  const source = scratch.source;
  if (source === undefined) return {};
  return {
    [EventMetadata.revision]: source.artifact.revision,
    ...(source.originRevision === undefined ? {} : { [EventMetadata.originRevision]: source.originRevision }),
  };
}

function applyFailure(err: ApplyError, access: ClusterAccess): string {
  if (err.reason === 'Forbidden') return `${err.message} (applying as ${access.identity})`;
  return err.message;
}
