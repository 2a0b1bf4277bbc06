// What the CLI reads from a Flux object's status, written once over small per-kind
// adapters: the revision it is at, whether it is suspended, where its source is, and
// whether it is ready for its generation (the flux CLI's readiness check).
import { formatImageRef, type ImageRef } from '../../api/image/imagepolicy.js';
import { ConditionType, Reason } from '../../api/meta/conditions.js';
import type { Condition } from '../../api/meta/status.js';
import type { KubeObject } from '../../api/object.js';
import { nounForKind } from './nouns.js';
import type { ObjectRef } from './object-ref.js';

/** The status fields the CLI reads; every field is optional because any kind may come in. */
interface FluxStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  lastHandledReconcileAt?: string;
  artifact?: { revision?: string };
  lastAppliedRevision?: string;
  lastAttemptedRevision?: string;
  history?: { chartVersion?: string }[];
  helmChart?: string;
  lastScanResult?: { revision?: string; tagCount?: number };
  latestRef?: ImageRef;
  lastPushCommit?: string;
}

interface FluxSpec {
  suspend?: boolean;
  sourceRef?: { kind?: string; name?: string; namespace?: string };
  chartRef?: { kind?: string; name?: string; namespace?: string };
}

/** The annotation that suspends an ArtifactGenerator (it has no spec.suspend). */
export const GENERATOR_RECONCILE_ANNOTATION = 'source.extensions.fluxcd.io/reconcile';

export function statusOf(obj: KubeObject): FluxStatus {
  return obj.status ?? {};
}

function specOf(obj: KubeObject): FluxSpec {
  return obj.spec ?? {};
}

export function conditionOf(obj: KubeObject, type: string): Condition | undefined {
  return statusOf(obj).conditions?.find((c) => c.type === type);
}

export function isSuspended(obj: KubeObject): boolean {
  if (obj.kind === 'ArtifactGenerator') {
    return obj.metadata.annotations?.[GENERATOR_RECONCILE_ANNOTATION] === 'disabled';
  }
  return specOf(obj).suspend === true;
}

const REVISIONS: Readonly<Record<string, (s: FluxStatus) => string | undefined>> = {
  Kustomization: (s) => s.lastAppliedRevision,
  HelmRelease: (s) => s.history?.[0]?.chartVersion ?? s.lastAttemptedRevision,
  ImageRepository: (s) => s.lastScanResult?.revision,
  ImagePolicy: (s) => (s.latestRef === undefined ? undefined : formatImageRef(s.latestRef)),
  ImageUpdateAutomation: (s) => s.lastPushCommit,
};

/** The revision an object is at: the artifact's for sources, the applied one for Kustomizations. */
export function revisionOf(obj: KubeObject): string {
  const status = statusOf(obj);
  const read = REVISIONS[obj.kind];
  return (read === undefined ? status.artifact?.revision : read(status)) ?? '';
}

/** The source an object reads from (Kustomization, HelmRelease, HelmChart), if any. */
export function sourceRefOf(obj: KubeObject): ObjectRef | undefined {
  const spec = specOf(obj);
  const namespace = obj.metadata.namespace ?? '';
  const ref = obj.kind === 'HelmRelease' ? spec.chartRef : spec.sourceRef;
  if (ref?.kind !== undefined && ref.name !== undefined) {
    return { kind: ref.kind, name: ref.name, namespace: ref.namespace ?? namespace };
  }
  const chart = obj.kind === 'HelmRelease' ? statusOf(obj).helmChart : undefined;
  const slash = chart?.indexOf('/') ?? -1;
  if (chart === undefined || slash < 0) return undefined;
  return { kind: 'HelmChart', namespace: chart.slice(0, slash), name: chart.slice(slash + 1) };
}

/** Kinds without a status at all (Alert, Provider): nothing to wait for or report. */
export function isStatic(obj: KubeObject): boolean {
  return nounForKind(obj.kind)?.reconcilable === false;
}

export interface StatusSummary {
  readonly revision: string;
  readonly suspended: boolean;
  /** True, False, Unknown, or '-' for kinds without status. */
  readonly ready: string;
  /** The Ready condition's message. */
  readonly message: string;
}

/** The row `get` prints, like the flux CLI: no Ready condition yet reads "waiting to be reconciled". */
export function summarizeStatus(obj: KubeObject): StatusSummary {
  const base = { revision: revisionOf(obj), suspended: isSuspended(obj) };
  if (isStatic(obj)) return { ...base, ready: '-', message: '' };
  const ready = conditionOf(obj, ConditionType.Ready);
  if (ready === undefined) return { ...base, ready: 'False', message: 'waiting to be reconciled' };
  return { ...base, ready: ready.status, message: ready.message };
}

export type Readiness =
  | { readonly state: 'ready'; readonly message: string }
  | { readonly state: 'failed'; readonly message: string }
  | { readonly state: 'progressing'; readonly message: string };

// Ready=False reasons that mean "still working on it", not "failed".
const PROGRESSING_REASONS: ReadonlySet<string> = new Set([
  Reason.Progressing,
  Reason.ProgressingWithRetry,
  Reason.DependencyNotReady,
  Reason.HealthCheckCanceled,
]);

/**
 * Whether an object is Ready for its current generation, has failed for it (Stalled, or
 * Ready=False for a reason other than progressing), or is still being reconciled.
 */
export function readiness(obj: KubeObject): Readiness {
  if (isStatic(obj)) return { state: 'ready', message: `${obj.kind} has no status to wait for` };
  const generation = obj.metadata.generation;
  const current = (c: Condition): boolean =>
    generation === undefined || c.observedGeneration === undefined || c.observedGeneration === generation;
  const ready = conditionOf(obj, ConditionType.Ready);
  if (ready === undefined) return { state: 'progressing', message: 'waiting to be reconciled' };
  const stalled = conditionOf(obj, ConditionType.Stalled);
  if (stalled?.status === 'True' && current(stalled)) {
    return { state: 'failed', message: stalled.message !== '' ? stalled.message : ready.message };
  }
  if (!current(ready)) {
    return { state: 'progressing', message: `waiting for generation ${generation ?? ''} to be reconciled` };
  }
  const observed = statusOf(obj).observedGeneration;
  if (ready.status === 'True') {
    if (generation !== undefined && observed !== undefined && observed !== generation) {
      return { state: 'progressing', message: ready.message };
    }
    return { state: 'ready', message: ready.message };
  }
  if (ready.status === 'False' && !PROGRESSING_REASONS.has(ready.reason)) {
    return { state: 'failed', message: ready.message !== '' ? ready.message : ready.reason };
  }
  return { state: 'progressing', message: ready.message };
}

/** What a successful reconcile reports: `fetched revision …` (sources), `applied revision …`. */
export function outcomeMessage(obj: KubeObject, opts: { colon?: boolean } = {}): string {
  const revision = revisionOf(obj);
  const sep = opts.colon === true ? ': ' : ' ';
  if (revision !== '' && nounForKind(obj.kind)?.source === true) return `fetched revision${sep}${revision}`;
  if (revision !== '' && (obj.kind === 'Kustomization' || obj.kind === 'HelmRelease')) {
    return `applied revision${sep}${revision}`;
  }
  const ready = conditionOf(obj, ConditionType.Ready);
  return ready?.message !== undefined && ready.message !== ''
    ? ready.message
    : `${obj.kind} reconciliation completed`;
}
