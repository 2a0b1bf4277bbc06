// apps/Deployment: rolled out when every replica is updated, available and
// ready, and the controller reports the new ReplicaSet available. A Progressing
// condition with ProgressDeadlineExceeded is a failure.
import type { KubeObject } from '../../api/object.js';
import { findCondition, intAt, plural } from '../fields.js';
import type { HealthResult } from '../status.js';

const NO_DEADLINE = 2147483647;

export function deploymentHealth(obj: KubeObject): HealthResult {
  const progressing = findCondition(obj, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    const detail = progressing.message === '' ? '' : `: ${progressing.message}`;
    return { status: 'Failed', message: `Deployment exceeded its progress deadline${detail}` };
  }
  const desired = intAt(obj, 'spec.replicas', 1);
  const replicas = intAt(obj, 'status.replicas', 0);
  const updated = intAt(obj, 'status.updatedReplicas', 0);
  const ready = intAt(obj, 'status.readyReplicas', 0);
  const available = intAt(obj, 'status.availableReplicas', 0);

  if (desired > replicas) {
    return inProgress(`Deployment is scaling up: ${replicas} of ${plural(desired, 'replica')} created`);
  }
  if (desired > updated) {
    return inProgress(`Deployment rollout in progress: ${updated} of ${plural(desired, 'replica')} updated`);
  }
  if (replicas > desired) {
    return inProgress(
      `Deployment rollout in progress: ${plural(replicas - desired, 'old replica')} pending termination`,
    );
  }
  if (updated > available) {
    return inProgress(
      `Deployment does not have minimum availability: ${available} of ${plural(updated, 'replica')} available`,
    );
  }
  if (desired > ready) {
    return inProgress(`Deployment is waiting for readiness: ${ready} of ${plural(desired, 'replica')} ready`);
  }
  // Without a progress deadline (unset, or the controller's "never" value) no
  // Progressing condition is reported.
  const hasDeadline = intAt(obj, 'spec.progressDeadlineSeconds', NO_DEADLINE) !== NO_DEADLINE;
  if (hasDeadline && !(progressing?.status === 'True' && progressing.reason === 'NewReplicaSetAvailable')) {
    return inProgress(`Deployment rollout in progress: new ReplicaSet is not available yet`);
  }
  const availableCondition = findCondition(obj, 'Available');
  if (availableCondition?.status !== 'True') {
    const detail = availableCondition?.message ?? '';
    return inProgress(`Deployment is not available${detail === '' ? '' : `: ${detail}`}`);
  }
  return { status: 'Current', message: `Deployment is available: ${plural(replicas, 'replica')}` };
}

function inProgress(message: string): HealthResult {
  return { status: 'InProgress', message };
}
