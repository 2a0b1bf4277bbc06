// Per-object policies set by annotation or label (Flux's kustomize.toolkit.fluxcd.io/*
// keys), and the managed-fields cleanup that lets an Override apply remove fields
// that only another tool (kubectl) kept alive.
import type { ObjectMeta } from '../api/object.js';

const PREFIX = 'kustomize.toolkit.fluxcd.io';
export const PolicyKeys = {
  ssa: `${PREFIX}/ssa`,
  reconcile: `${PREFIX}/reconcile`,
  force: `${PREFIX}/force`,
  prune: `${PREFIX}/prune`,
} as const;

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

export type SsaPolicy = 'Override' | 'Merge' | 'IfNotPresent' | 'Ignore';

type Meta = Pick<ObjectMeta, 'labels' | 'annotations'> | undefined;

/** Whether the annotation or label `key` of `meta` equals `value`, ignoring case (as Flux). */
export function hasPolicy(meta: Meta, key: string, value: string): boolean {
  const want = value.toLowerCase();
  return meta?.annotations?.[key]?.toLowerCase() === want || meta?.labels?.[key]?.toLowerCase() === want;
}

/** The ssa policy of an object; Override when unset or unknown. */
export function ssaPolicy(meta: Meta): SsaPolicy {
  for (const policy of ['Ignore', 'IfNotPresent', 'Merge'] as const) {
    if (hasPolicy(meta, PolicyKeys.ssa, policy)) return policy;
  }
  return 'Override';
}

/** `ssa: Ignore` or `reconcile: disabled`: neither applied nor pruned. */
export function isExcluded(meta: Meta): boolean {
  return hasPolicy(meta, PolicyKeys.ssa, 'Ignore') || hasPolicy(meta, PolicyKeys.reconcile, 'disabled');
}

export function isForceEnabled(meta: Meta): boolean {
  return hasPolicy(meta, PolicyKeys.force, 'enabled');
}

export function isPruneDisabled(meta: Meta): boolean {
  return hasPolicy(meta, PolicyKeys.prune, 'disabled');
}

/** Whether every owner label is on the object with the same value. */
export function ownedBy(meta: Meta, ownerLabels: Readonly<Record<string, string>>): boolean {
  return Object.entries(ownerLabels).every(([key, value]) => meta?.labels?.[key] === value);
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  [key: string]: unknown;
}

export interface FieldManagerMatch {
  /** Prefix of the manager name (`kubectl` matches kubectl-client-side-apply, kubectl-edit...). */
  readonly prefix: string;
  readonly operation: 'Apply' | 'Update';
}

/** Managers whose fields an Override apply takes over (and so may remove), as Flux. */
export function takeoverManagers(
  fieldManager: string,
  overrideManagers: readonly string[] = [],
): FieldManagerMatch[] {
  return [
    // kubectl apply --server-side --force-conflicts
    { prefix: 'kubectl', operation: 'Apply' },
    // kubectl apply (client-side), edit, patch, label...
    { prefix: 'kubectl', operation: 'Update' },
    // objects created by client-side apply before they were first server-side applied
    { prefix: 'before-first-apply', operation: 'Update' },
    // our own writes from before server-side apply
    { prefix: fieldManager, operation: 'Update' },
    ...overrideManagers.flatMap((prefix): FieldManagerMatch[] => [
      { prefix, operation: 'Apply' },
      { prefix, operation: 'Update' },
    ]),
  ];
}

export type JsonPatchOp =
  | { op: 'replace'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'test'; path: string; value: unknown };

/**
 * The JSON patch that hands the fields of the takeover managers to `fieldManager`
 * (as an Apply entry, so the next apply owns them and drops the ones it no longer
 * sets) and removes kubectl's last-applied annotation; undefined when nothing needs it.
 */
export function cleanupPatch(
  live: Pick<ObjectMeta, 'annotations' | 'managedFields'>,
  desired: Pick<ObjectMeta, 'annotations'>,
  fieldManager: string,
  managers: readonly FieldManagerMatch[],
): JsonPatchOp[] | undefined {
  const ops: JsonPatchOp[] = [];
  const entries = (live.managedFields ?? []) as ManagedFieldsEntry[];
  const isTakeover = (entry: ManagedFieldsEntry): boolean =>
    (entry.subresource ?? '') === '' &&
    !(entry.manager === fieldManager && entry.operation === 'Apply') &&
    managers.some((m) => entry.operation === m.operation && (entry.manager ?? '').startsWith(m.prefix));
  const renamed = entries.some(isTakeover);
  const next = entries.map((entry) =>
    isTakeover(entry) ? { ...entry, manager: fieldManager, operation: 'Apply' } : entry,
  );
  if (renamed) ops.push({ op: 'replace', path: '/metadata/managedFields', value: next });
  // An annotation the desired object sets itself stays (removing it would only be re-added).
  if (
    live.annotations?.[LAST_APPLIED_ANNOTATION] !== undefined &&
    desired.annotations?.[LAST_APPLIED_ANNOTATION] === undefined
  ) {
    ops.push({ op: 'remove', path: `/metadata/annotations/${escapePointer(LAST_APPLIED_ANNOTATION)}` });
  }
  return ops.length === 0 ? undefined : ops;
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}
