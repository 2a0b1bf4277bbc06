// apps/DaemonSet: every node that should run a pod runs an updated, available
// and ready one. The controller always writes observedGeneration, so a
// DaemonSet without it has not been looked at yet.
import type { KubeObject } from '../../api/object.js';
import { intAt, optionalIntAt } from '../fields.js';
import type { HealthResult } from '../status.js';

export function daemonSetHealth(obj: KubeObject): HealthResult {
  if (optionalIntAt(obj, 'metadata.generation') === undefined) {
    return inProgress('DaemonSet has no metadata.generation yet');
  }
  if (optionalIntAt(obj, 'status.observedGeneration') === undefined) {
    return inProgress('DaemonSet has not been observed by its controller yet');
  }
  const desired = intAt(obj, 'status.desiredNumberScheduled', -1);
  if (desired === -1) return inProgress('DaemonSet has no desiredNumberScheduled yet');
  const scheduled = intAt(obj, 'status.currentNumberScheduled', 0);
  const updated = intAt(obj, 'status.updatedNumberScheduled', 0);
  const available = intAt(obj, 'status.numberAvailable', 0);
  const ready = intAt(obj, 'status.numberReady', 0);

  if (desired > scheduled)
    return inProgress(`DaemonSet is scheduling pods: ${scheduled} of ${desired} scheduled`);
  if (desired > updated)
    return inProgress(`DaemonSet rollout in progress: ${updated} of ${desired} pods updated`);
  if (desired > available) {
    return inProgress(
      `DaemonSet does not have minimum availability: ${available} of ${desired} pods available`,
    );
  }
  if (desired > ready)
    return inProgress(`DaemonSet is waiting for readiness: ${ready} of ${desired} pods ready`);
  return { status: 'Current', message: `DaemonSet is ready: ${desired} of ${desired} pods` };
}

function inProgress(message: string): HealthResult {
  return { status: 'InProgress', message };
}
