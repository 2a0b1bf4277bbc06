// batch/Job, as Flux reads it (not kstatus): Current only once Complete, Failed
// on the Failed condition, in progress while it runs.
import type { KubeObject } from '../../api/object.js';
import { findCondition, intAt } from '../fields.js';
import type { HealthResult } from '../status.js';

export function jobHealth(obj: KubeObject): HealthResult {
  const parallelism = intAt(obj, 'spec.parallelism', 1);
  const completions = intAt(obj, 'spec.completions', parallelism);
  const succeeded = intAt(obj, 'status.succeeded', 0);
  const failed = intAt(obj, 'status.failed', 0);
  if (findCondition(obj, 'Complete')?.status === 'True') {
    return { status: 'Current', message: `Job completed: ${succeeded} of ${completions} succeeded` };
  }
  const failure = findCondition(obj, 'Failed');
  if (failure?.status === 'True') {
    const detail = failure.message === '' ? failure.reason : failure.message;
    return {
      status: 'Failed',
      message: `Job failed: ${failed} of ${completions} failed${detail === '' ? '' : ` (${detail})`}`,
    };
  }
  const active = intAt(obj, 'status.active', 0);
  return {
    status: 'InProgress',
    message: `Job in progress: ${active} active, ${succeeded} of ${completions} succeeded, ${failed} failed`,
  };
}
