// apps/StatefulSet: the controller sets no conditions, so health comes from the
// replica counts and revisions. OnDelete sets are user-managed and always
// current; a partitioned rolling update is done when the pods above the
// partition are updated.
import type { KubeObject } from '../../api/object.js';
import { intAt, plural, stringAt } from '../fields.js';
import type { HealthResult } from '../status.js';

export function statefulSetHealth(obj: KubeObject): HealthResult {
  if (stringAt(obj, 'spec.updateStrategy.type') === 'OnDelete') {
    return { status: 'Current', message: 'StatefulSet uses the OnDelete update strategy' };
  }
  const desired = intAt(obj, 'spec.replicas', 1);
  const replicas = intAt(obj, 'status.replicas', 0);
  const ready = intAt(obj, 'status.readyReplicas', 0);
  const current = intAt(obj, 'status.currentReplicas', 0);
  const updated = intAt(obj, 'status.updatedReplicas', 0);
  const partition = intAt(obj, 'spec.updateStrategy.rollingUpdate.partition', -1);

  if (desired > replicas) {
    return inProgress(`StatefulSet is scaling up: ${replicas} of ${plural(desired, 'replica')} created`);
  }
  if (desired > ready) {
    return inProgress(
      `StatefulSet is waiting for readiness: ${ready} of ${plural(desired, 'replica')} ready`,
    );
  }
  if (replicas > desired) {
    return inProgress(
      `StatefulSet is scaling down: ${plural(replicas - desired, 'replica')} pending termination`,
    );
  }
  if (partition !== -1) {
    const target = Math.max(0, desired - partition);
    if (updated < target) {
      return inProgress(
        `StatefulSet partitioned rollout in progress: ${updated} of ${plural(target, 'replica')} updated`,
      );
    }
    return {
      status: 'Current',
      message: `StatefulSet partitioned rollout complete: ${plural(updated, 'replica')} updated`,
    };
  }
  if (desired > current) {
    return inProgress(
      `StatefulSet rollout in progress: ${current} of ${plural(desired, 'replica')} at the current revision`,
    );
  }
  const currentRevision = stringAt(obj, 'status.currentRevision');
  const updateRevision = stringAt(obj, 'status.updateRevision');
  if (currentRevision !== updateRevision) {
    return inProgress(
      `StatefulSet rollout in progress: revision ${updateRevision} is not current yet (current: ${currentRevision})`,
    );
  }
  return { status: 'Current', message: `StatefulSet is ready: ${plural(replicas, 'replica')}` };
}

function inProgress(message: string): HealthResult {
  return { status: 'InProgress', message };
}
