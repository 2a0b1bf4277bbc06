// core/Pod: Running and Ready, or Succeeded, is current. Containers waiting for
// a reason that does not go away by waiting (crash loops, images that cannot be
// pulled, broken container config) fail the pod, as does the Failed phase.
// Unlike kstatus, a Failed pod is Failed (kstatus calls it Current), and an
// unschedulable pod stays InProgress (kstatus fails it after 15 s, which needs a
// clock; the wait's timeout reports the scheduler's reason instead).
import type { KubeObject } from '../../api/object.js';
import { arrayAt, fieldAt, findCondition, stringAt } from '../fields.js';
import type { HealthResult } from '../status.js';

const BROKEN_WAITING_REASONS: ReadonlySet<string> = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

export function podHealth(obj: KubeObject): HealthResult {
  const phase = stringAt(obj, 'status.phase');
  switch (phase) {
    case 'Succeeded':
      return { status: 'Current', message: 'Pod has completed successfully' };
    case 'Failed': {
      const reason = stringAt(obj, 'status.message', stringAt(obj, 'status.reason'));
      return { status: 'Failed', message: `Pod has failed${reason === '' ? '' : `: ${reason}`}` };
    }
    case 'Running':
    case 'Pending':
      return livePodHealth(obj, phase);
    case '':
      return { status: 'InProgress', message: 'Pod has no phase yet' };
    default:
      return { status: 'Unknown', message: `Pod phase is ${phase}` };
  }
}

function livePodHealth(obj: KubeObject, phase: string): HealthResult {
  if (phase === 'Running' && findCondition(obj, 'Ready')?.status === 'True') {
    return { status: 'Current', message: 'Pod is ready' };
  }
  const broken = brokenContainers(obj);
  if (broken.length > 0)
    return { status: 'Failed', message: `Pod containers cannot run: ${broken.join(', ')}` };
  if (phase === 'Running') {
    const ready = findCondition(obj, 'Ready');
    const detail = ready === undefined || ready.message === '' ? '' : `: ${ready.message}`;
    return { status: 'InProgress', message: `Pod is running but not ready${detail}` };
  }
  const scheduled = findCondition(obj, 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return { status: 'InProgress', message: `Pod cannot be scheduled: ${scheduled.message}` };
  }
  return { status: 'InProgress', message: 'Pod is pending' };
}

/** `name (Reason)` for each init or app container waiting for a broken reason. */
function brokenContainers(obj: KubeObject): string[] {
  const out: string[] = [];
  for (const list of ['status.initContainerStatuses', 'status.containerStatuses']) {
    for (const cs of arrayAt(obj, list)) {
      const reason = fieldAt(cs, 'state.waiting.reason');
      if (typeof reason === 'string' && BROKEN_WAITING_REASONS.has(reason)) {
        out.push(`${stringAt(cs, 'name', '?')} (${reason})`);
      }
    }
  }
  return out;
}
