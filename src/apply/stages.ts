// Apply stages and the order inside them, as Flux's kustomize-controller: cluster
// definitions first (so the kinds and namespaces later objects need exist), then
// classes, then the operator's custom kinds, then everything else; inside a stage
// the kind order Kubernetes tools share (a ServiceAccount before what runs as it).
import type { ObjMetadata } from './object-id.js';

export const Stage = {
  /** CustomResourceDefinitions, Namespaces, ClusterRoles; waited for before the next stage. */
  ClusterDefinitions: 1,
  /** Kinds whose name ends in `Class` (StorageClass, IngressClass, GatewayClass...). */
  Classes: 2,
  /** Kinds the operator listed (`--custom-apply-stage-kinds`). */
  Custom: 3,
  Rest: 4,
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];

export const STAGES: readonly Stage[] = [Stage.ClusterDefinitions, Stage.Classes, Stage.Custom, Stage.Rest];

type GroupKind = Pick<ObjMetadata, 'group' | 'kind'>;

export function isCRD(m: GroupKind): boolean {
  return m.group === 'apiextensions.k8s.io' && m.kind.toLowerCase() === 'customresourcedefinition';
}

export function isNamespace(m: GroupKind): boolean {
  return m.group === '' && m.kind.toLowerCase() === 'namespace';
}

function isClusterRole(m: GroupKind): boolean {
  return m.group === 'rbac.authorization.k8s.io' && m.kind.toLowerCase() === 'clusterrole';
}

/** Whether `m` is one of the custom stage kinds, given as `Kind` (any group) or `group/Kind`. */
export function matchesStageKind(m: GroupKind, kinds: readonly string[]): boolean {
  return kinds.some((spec) => {
    const slash = spec.lastIndexOf('/');
    if (slash < 0) return spec === m.kind;
    return spec.slice(0, slash) === m.group && spec.slice(slash + 1) === m.kind;
  });
}

export function stageOf(m: GroupKind, customStageKinds: readonly string[] = []): Stage {
  if (isCRD(m) || isNamespace(m) || isClusterRole(m)) return Stage.ClusterDefinitions;
  if (m.kind.endsWith('Class')) return Stage.Classes;
  if (matchesStageKind(m, customStageKinds)) return Stage.Custom;
  return Stage.Rest;
}

// Kinds with a fixed rank: negative ones go first in this order, positive ones
// last; every other kind ranks 0 and is ordered by group and name.
const FIRST = [
  'CustomResourceDefinition',
  'Namespace',
  'ResourceQuota',
  'StorageClass',
  'ServiceAccount',
  'PodSecurityPolicy',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ConfigMap',
  'Secret',
  'Service',
  'LimitRange',
  'PriorityClass',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'PodDisruptionBudget',
];
const LAST = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];
const RANK = new Map<string, number>([
  ...FIRST.map((kind, i): [string, number] => [kind, i - FIRST.length]),
  ...LAST.map((kind, i): [string, number] => [kind, i + 1]),
]);

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Apply order inside a stage: kind rank, group, kind, namespace, name. */
export function compareApplyOrder(a: ObjMetadata, b: ObjMetadata): number {
  if (a.group !== b.group || a.kind !== b.kind) {
    const rank = (RANK.get(a.kind) ?? 0) - (RANK.get(b.kind) ?? 0);
    if (rank !== 0) return rank;
    return compareStrings(a.group, b.group) || compareStrings(a.kind, b.kind);
  }
  return compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name);
}

/** Splits items into stages, each sorted in apply order; empty stages are left out. */
export function planStages<T>(
  items: readonly T[],
  metaOf: (item: T) => ObjMetadata,
  customStageKinds: readonly string[] = [],
): { stage: Stage; items: T[] }[] {
  const byStage = new Map<Stage, T[]>();
  for (const item of items) {
    const stage = stageOf(metaOf(item), customStageKinds);
    const list = byStage.get(stage) ?? [];
    list.push(item);
    byStage.set(stage, list);
  }
  return STAGES.flatMap((stage) => {
    const list = byStage.get(stage);
    if (list === undefined) return [];
    return [{ stage, items: [...list].sort((a, b) => compareApplyOrder(metaOf(a), metaOf(b))) }];
  });
}
