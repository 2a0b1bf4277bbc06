// core/PersistentVolumeClaim: Bound is current; Lost (its volume is gone) does
// not recover by waiting, so it fails (kstatus only waits).
import type { KubeObject } from '../../api/object.js';
import { stringAt } from '../fields.js';
import type { HealthResult } from '../status.js';

export function persistentVolumeClaimHealth(obj: KubeObject): HealthResult {
  const phase = stringAt(obj, 'status.phase');
  if (phase === 'Bound') return { status: 'Current', message: 'PersistentVolumeClaim is Bound' };
  if (phase === 'Lost') return { status: 'Failed', message: 'PersistentVolumeClaim has lost its volume' };
  return {
    status: 'InProgress',
    message: `PersistentVolumeClaim is not Bound (phase: ${phase === '' ? 'unknown' : phase})`,
  };
}
