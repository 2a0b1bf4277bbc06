// policy/PodDisruptionBudget: current once the disruption controller has
// observed its generation (checked by the generic rule). Too few healthy pods
// is the workload's problem, not the budget's, so DisruptionAllowed=False is
// not a failure.
import type { KubeObject } from '../../api/object.js';
import { intAt, optionalIntAt } from '../fields.js';
import type { HealthResult } from '../status.js';

export function podDisruptionBudgetHealth(obj: KubeObject): HealthResult {
  if (optionalIntAt(obj, 'status.observedGeneration') === undefined) {
    return {
      status: 'InProgress',
      message: 'PodDisruptionBudget has not been observed by its controller yet',
    };
  }
  const allowed = intAt(obj, 'status.disruptionsAllowed', 0);
  return {
    status: 'Current',
    message: `PodDisruptionBudget allows ${allowed} disruption${allowed === 1 ? '' : 's'}`,
  };
}
