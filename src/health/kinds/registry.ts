// Health rules for the kinds that need more than the generic rule, keyed by
// group and kind (the version does not matter). One file per kind.
import type { KubeObject } from '../../api/object.js';
import type { HealthResult } from '../status.js';
import { customResourceDefinitionHealth } from './customresourcedefinition.js';
import { daemonSetHealth } from './daemonset.js';
import { deploymentHealth } from './deployment.js';
import { jobHealth } from './job.js';
import { namespaceHealth } from './namespace.js';
import { persistentVolumeClaimHealth } from './persistentvolumeclaim.js';
import { podHealth } from './pod.js';
import { podDisruptionBudgetHealth } from './poddisruptionbudget.js';
import { replicaSetHealth } from './replicaset.js';
import { serviceHealth } from './service.js';
import { statefulSetHealth } from './statefulset.js';

export type KindHealth = (obj: KubeObject) => HealthResult;

/** `Kind.group`, or `Kind` for the core group (Kubernetes' GroupKind notation). */
export function groupKindKey(group: string, kind: string): string {
  return group === '' ? kind : `${kind}.${group}`;
}

export const kindHealthRules: ReadonlyMap<string, KindHealth> = new Map<string, KindHealth>([
  [groupKindKey('apps', 'Deployment'), deploymentHealth],
  [groupKindKey('apps', 'StatefulSet'), statefulSetHealth],
  [groupKindKey('apps', 'DaemonSet'), daemonSetHealth],
  [groupKindKey('apps', 'ReplicaSet'), replicaSetHealth],
  [groupKindKey('batch', 'Job'), jobHealth],
  [groupKindKey('', 'Pod'), podHealth],
  [groupKindKey('', 'PersistentVolumeClaim'), persistentVolumeClaimHealth],
  [groupKindKey('', 'Service'), serviceHealth],
  [groupKindKey('', 'Namespace'), namespaceHealth],
  [groupKindKey('policy', 'PodDisruptionBudget'), podDisruptionBudgetHealth],
  [groupKindKey('apiextensions.k8s.io', 'CustomResourceDefinition'), customResourceDefinitionHealth],
]);
