// Step 5: health. `wait: true` checks every applied object; otherwise the listed
// healthChecks. CEL healthCheckExprs decide for the kinds they name. Bounded by
// spec.timeout; the failure names each unhealthy object and why.
import { ConditionType, Reason } from '../../../api/meta/conditions.js';
import { objectId, parseObjectId } from '../../../apply/index.js';
import type { KubeObject } from '../../../api/object.js';
import { setTimeout as delay } from 'node:timers/promises';
import { CelError, compileHealthChecks } from '../../../health/cel.js';
import { describeUnhealthy, waitForHealth, type HealthRef } from '../../../health/wait.js';
import { done, type Result } from '../../../runtime/controller/controller.js';
import { ReconcileError, StalledError } from '../../../runtime/reconcile/errors.js';
import type { KustomizationDeps, KustomizationState } from './deps.js';
import type { ClusterAccess } from './tenant.js';
import { timeoutMs } from './timing.js';
import { formatDuration } from '../../../runtime/manager/duration.js';

/** Health checks that outlast this are announced in status (Healthy=Unknown) while they run. */
const ANNOUNCE_AFTER_MS = 2000;

export async function reconcileHealth(
  state: KustomizationState,
  deps: KustomizationDeps,
  access: ClusterAccess,
  applied?: ReadonlyMap<string, KubeObject>,
): Promise<Result> {
  const obj = state.object;
  const refs = healthRefs(state);
  if (refs.length === 0) {
    state.conditions.delete(ConditionType.Healthy);
    return done;
  }
  let checks;
  try {
    checks = compileHealthChecks(obj.spec?.healthCheckExprs);
  } catch (err) {
    if (err instanceof CelError) {
      throw new StalledError(Reason.InvalidCELExpression, `spec.healthCheckExprs: ${err.message}`, {
        cause: err,
      });
    }
    throw err;
  }
  const started = performance.now();
  const waiting = waitForHealth(refs, {
    client: access.client,
    discovery: access.discovery,
    timeoutMs: timeoutMs(obj),
    signal: state.signal,
    checks,
    ...(deps.healthPollMs === undefined ? {} : { pollMs: deps.healthPollMs }),
    ...(applied === undefined
      ? {}
      : {
          initial: (ref: HealthRef) =>
            applied.get(
              objectId({ namespace: ref.namespace, name: ref.name, group: ref.group, kind: ref.kind }),
            ),
        }),
  });
  // Published only when the checks take a while: a quick pass costs no status write.
  const quick = await Promise.race([waiting, delay(ANNOUNCE_AFTER_MS).then(() => undefined)]);
  if (quick === undefined && !state.conditions.isTrue(ConditionType.Healthy)) {
    state.conditions.markUnknown(ConditionType.Healthy, Reason.Progressing, 'Running health checks');
    state.conditions.markReconciling(
      Reason.Progressing,
      `Running health checks for revision ${String(state.status.lastAppliedRevision)} with a timeout of ${formatDuration(timeoutMs(obj))}`,
    );
    await state.patchStatus();
  }
  const report = await waiting;
  if (report.canceled === true) {
    state.conditions.markFalse(ConditionType.Healthy, Reason.HealthCheckCanceled, 'Health checks canceled');
    throw new ReconcileError(Reason.HealthCheckCanceled, 'Health checks canceled');
  }
  if (!report.healthy) {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const message = `Health check failed after ${seconds}s: ${describeUnhealthy(report)}`;
    state.conditions.markFalse(ConditionType.Healthy, Reason.HealthCheckFailed, message);
    throw new ReconcileError(Reason.HealthCheckFailed, message);
  }
  state.conditions.markTrue(ConditionType.Healthy, Reason.Succeeded, 'Health check passed');
  return done;
}

function healthRefs(state: KustomizationState): HealthRef[] {
  const obj = state.object;
  const ownNamespace = obj.metadata.namespace ?? '';
  if (obj.spec?.wait === true) {
    return (
      (state.status.inventory as { entries: { id: string; v: string }[] } | undefined)?.entries.map((e) => {
        const m = parseObjectId(e.id);
        return { group: m.group, version: e.v, kind: m.kind, namespace: m.namespace, name: m.name };
      }) ?? []
    );
  }
  return (obj.spec?.healthChecks ?? []).map((c) => {
    const apiVersion = c.apiVersion ?? 'apps/v1';
    const slash = apiVersion.indexOf('/');
    return {
      group: slash < 0 ? '' : apiVersion.slice(0, slash),
      version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
      kind: c.kind,
      namespace: c.namespace ?? ownNamespace,
      name: c.name,
    };
  });
}
