// core/Namespace: Active is current; a namespace in the Terminating phase is
// going away (the generic rule already catches its deletionTimestamp).
import type { KubeObject } from '../../api/object.js';
import { stringAt } from '../fields.js';
import type { HealthResult } from '../status.js';

export function namespaceHealth(obj: KubeObject): HealthResult {
  if (stringAt(obj, 'status.phase') === 'Terminating') {
    return { status: 'Terminating', message: 'Namespace is terminating' };
  }
  return { status: 'Current', message: 'Namespace is active' };
}
