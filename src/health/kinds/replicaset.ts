// apps/ReplicaSet: every replica labelled, available and ready. ReplicaFailure
// (pods could not be created, e.g. a quota) is reported but waited on: the
// controller keeps retrying.
import type { KubeObject } from '../../api/object.js';
import { findCondition, intAt, plural } from '../fields.js';
import type { HealthResult } from '../status.js';

export function replicaSetHealth(obj: KubeObject): HealthResult {
  const failure = findCondition(obj, 'ReplicaFailure');
  if (failure?.status === 'True') {
    const detail = failure.message === '' ? failure.reason : failure.message;
    return inProgress(`ReplicaSet cannot create pods: ${detail}`);
  }
  const desired = intAt(obj, 'spec.replicas', 1);
  const replicas = intAt(obj, 'status.replicas', 0);
  const labelled = intAt(obj, 'status.fullyLabeledReplicas', 0);
  const available = intAt(obj, 'status.availableReplicas', 0);
  const ready = intAt(obj, 'status.readyReplicas', 0);

  if (desired > labelled) {
    return inProgress(`ReplicaSet is scaling up: ${labelled} of ${plural(desired, 'replica')} created`);
  }
  if (desired > available) {
    return inProgress(
      `ReplicaSet does not have minimum availability: ${available} of ${plural(desired, 'replica')} available`,
    );
  }
  if (desired > ready) {
    return inProgress(`ReplicaSet is waiting for readiness: ${ready} of ${plural(desired, 'replica')} ready`);
  }
  if (replicas > desired) {
    return inProgress(
      `ReplicaSet is scaling down: ${plural(replicas - desired, 'replica')} pending termination`,
    );
  }
  return { status: 'Current', message: `ReplicaSet is available: ${plural(replicas, 'replica')}` };
}

function inProgress(message: string): HealthResult {
  return { status: 'InProgress', message };
}
