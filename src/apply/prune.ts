// Garbage collection of stale inventory entries: delete (background propagation)
// only objects that still carry every owner label and have not opted out; one
// failed delete is reported and does not stop the others. Namespaced objects go
// before Namespaces and CRDs (reverse apply order).
import type { ResourceRef } from '../api/meta/inventory.js';
import type { KubeObject } from '../api/object.js';
import type { KubeClient } from '../runtime/client/client.js';
import type { DiscoveredResource, DiscoveryCache, DiscoverySnapshot } from '../runtime/client/discovery.js';
import { isNotFound } from '../runtime/client/errors.js';
import type { Logger } from '../runtime/log/logger.js';
import type { ChangeSetEntry } from './change-set.js';
import { deleteInBackground } from './delete.js';
import { mapLimited } from './concurrency.js';
import { toApplyError } from './errors.js';
import { noMask, secretMasker } from './mask.js';
import { parseObjectId, subjectOf, type ObjMetadata } from './object-id.js';
import { isExcluded, isPruneDisabled, ownedBy } from './policies.js';
import { findResource, kindKey, resolveKinds, type KindRef } from './resolve.js';
import { compareApplyOrder, STAGES, stageOf } from './stages.js';

export interface PruneOptions {
  readonly ownerLabels: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

export interface PruneFailure {
  readonly ref: ResourceRef;
  readonly subject: string;
  readonly message: string;
}

export interface PruneResult {
  /** Action 'deleted', or 'skipped' for objects not owned, opted out, already gone or no longer served. */
  readonly entries: ChangeSetEntry[];
  readonly failed: PruneFailure[];
}

export interface PruneContext {
  readonly client: KubeClient;
  readonly discovery: DiscoveryCache;
  readonly concurrency: number;
  readonly customStageKinds: readonly string[];
  readonly logger: Logger;
}

export interface ResolvedRef {
  readonly ref: ResourceRef;
  readonly meta: ObjMetadata;
  readonly subject: string;
  /** Undefined when no version of the kind is served any more. */
  readonly res: DiscoveredResource | undefined;
}

function servedAnyVersion(snapshot: DiscoverySnapshot, ref: KindRef): DiscoveredResource | undefined {
  const candidates = snapshot.resources.filter(
    (r) => r.group === ref.group && r.kind === ref.kind && !r.plural.includes('/'),
  );
  return candidates.find((r) => r.preferred) ?? candidates[0];
}

/**
 * Parses and resolves inventory refs: the recorded version when still served, else
 * the group's preferred version of the kind. Malformed ids come back in `malformed`.
 */
export async function resolveRefs(
  discovery: DiscoveryCache,
  refs: readonly ResourceRef[],
  signal: AbortSignal,
): Promise<{ resolved: ResolvedRef[]; malformed: PruneFailure[] }> {
  const parsed: { ref: ResourceRef; meta: ObjMetadata }[] = [];
  const malformed: PruneFailure[] = [];
  for (const ref of refs) {
    try {
      parsed.push({ ref, meta: parseObjectId(ref.id) });
    } catch (err) {
      malformed.push({ ref, subject: ref.id, message: err instanceof Error ? err.message : String(err) });
    }
  }
  const kindRefs = parsed.map((p) => ({ group: p.meta.group, version: p.ref.v, kind: p.meta.kind }));
  const { found, snapshot } = await resolveKinds(discovery, kindRefs, signal);
  const resolved = parsed.map((p, i) => {
    const kindRef = kindRefs[i] ?? { group: p.meta.group, version: p.ref.v, kind: p.meta.kind };
    const res =
      found.get(kindKey(kindRef)) ?? findResource(snapshot, kindRef) ?? servedAnyVersion(snapshot, kindRef);
    return { ref: p.ref, meta: p.meta, subject: subjectOf(p.meta), res };
  });
  return { resolved, malformed };
}

/** Refs grouped for deletion: later stages first, reverse apply order inside each. */
export function deletionOrder<T extends { meta: ObjMetadata }>(
  items: readonly T[],
  customStageKinds: readonly string[],
): T[][] {
  return [...STAGES].reverse().flatMap((stage) => {
    const group = items
      .filter((item) => stageOf(item.meta, customStageKinds) === stage)
      .sort((a, b) => compareApplyOrder(b.meta, a.meta));
    return group.length === 0 ? [] : [group];
  });
}

export async function pruneRefs(
  ctx: PruneContext,
  stale: readonly ResourceRef[],
  opts: PruneOptions,
): Promise<PruneResult> {
  if (stale.length === 0) return { entries: [], failed: [] };
  const { resolved, malformed } = await resolveRefs(ctx.discovery, stale, opts.signal);
  const entries: ChangeSetEntry[] = [];
  const failed: PruneFailure[] = [...malformed];
  for (const group of deletionOrder(resolved, ctx.customStageKinds)) {
    const outcomes = await mapLimited(group, (r) => pruneOne(ctx, r, opts), { limit: ctx.concurrency });
    outcomes.forEach((o, i) => {
      const r = group[i];
      if (r === undefined || o === undefined) return;
      if (o.ok) {
        entries.push({ id: r.ref.id, version: r.ref.v, subject: r.subject, action: o.value });
      } else {
        const message = o.error instanceof Error ? o.error.message : String(o.error);
        failed.push({ ref: r.ref, subject: r.subject, message });
      }
    });
  }
  return { entries, failed };
}

async function pruneOne(
  ctx: PruneContext,
  r: ResolvedRef,
  opts: PruneOptions,
): Promise<'deleted' | 'skipped'> {
  const res = r.res;
  if (res === undefined) {
    ctx.logger.debug(`${r.subject}: not pruned, its kind is no longer served`);
    return 'skipped';
  }
  let live: KubeObject;
  try {
    live = await ctx.client.get(res, r.meta.name, r.meta.namespace, opts.signal);
  } catch (err) {
    if (isNotFound(err)) return 'skipped';
    throw toApplyError(err, r.subject, 'reading for prune failed', noMask);
  }
  if (!ownedBy(live.metadata, opts.ownerLabels)) {
    ctx.logger.debug(`${r.subject}: not pruned, its owner labels name another owner`);
    return 'skipped';
  }
  if (isPruneDisabled(live.metadata) || isExcluded(live.metadata)) return 'skipped';
  try {
    await deleteInBackground(ctx.client, res, r.meta, opts.signal);
  } catch (err) {
    if (!isNotFound(err)) throw toApplyError(err, r.subject, 'delete failed', secretMasker(live));
  }
  return 'deleted';
}
