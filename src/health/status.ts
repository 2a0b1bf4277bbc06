// Health of one live object, compatible with kstatus (kubernetes-sigs/cli-utils)
// as Flux uses it: custom CEL checks first, then the rules all kinds share,
// then the kind's own rule, then the Ready condition.
import type { KubeObject } from '../api/object.js';
import type { CompiledHealthChecks } from './cel.js';
import { groupOf } from './fields.js';
import { genericHealth, readyConditionHealth } from './generic.js';
import { groupKindKey, kindHealthRules } from './kinds/registry.js';

export type HealthStatus = 'Current' | 'InProgress' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';

export interface HealthResult {
  readonly status: HealthStatus;
  /** Why, in a sentence that names the kind (e.g. "Deployment does not have minimum availability: ..."). */
  readonly message: string;
}

/** Pure: the kstatus-compatible health of one live object, custom CEL checks first when one matches its group+kind. */
export function computeHealth(obj: KubeObject, checks?: CompiledHealthChecks): HealthResult {
  const custom = checks?.forObject(obj);
  if (custom !== undefined) return custom(obj);
  const generic = genericHealth(obj);
  if (generic !== undefined) return generic;
  const rule = kindHealthRules.get(groupKindKey(groupOf(obj.apiVersion), obj.kind));
  return rule === undefined ? readyConditionHealth(obj) : rule(obj);
}
