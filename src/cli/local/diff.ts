// The cluster side of `tide diff kustomization`: each locally built object is
// server-side applied in dry-run mode as the controller applies it (its field manager,
// force, as the Kustomization's tenant), and the result compared with the live object;
// with prune, inventory entries the build no longer has are reported as deleted when
// the controller would delete them (present, owned, not opted out).
import type { Kustomization } from '../../api/kustomize/kustomization.js';
import type { KubeObject } from '../../api/object.js';
import { ApplyError, objectId, objMetadataOf, staleRefs } from '../../apply/index.js';
import { planApply, type PlannedObject } from '../../apply/plan.js';
import { isExcluded, isPruneDisabled, ownedBy, ssaPolicy } from '../../apply/policies.js';
import { resolveRefs } from '../../apply/prune.js';
import { FIELD_MANAGER, OwnerLabel } from '../../controllers/kustomize/kustomization/names.js';
import { Tenancy } from '../../controllers/kustomize/kustomization/tenant.js';
import type { KubeClient } from '../../runtime/client/client.js';
import { DiscoveryCache } from '../../runtime/client/discovery.js';
import { CoreResources } from '../../runtime/client/resource.js';
import { ApiError, isNotFound } from '../../runtime/client/errors.js';
import { sanitizeText } from '../../runtime/log/sanitize.js';
import type { BuiltKustomization } from './build.js';
import { compareObjects, type DiffOutcome } from './object-diff.js';

export interface DiffResult {
  readonly outcomes: DiffOutcome[];
  /** Objects that could not be compared; each names the object and why. */
  readonly errors: string[];
}

/** The dry-run diff of one Kustomization's build against the cluster. */
export async function diffKustomization(
  client: KubeClient,
  built: BuiltKustomization,
  signal: AbortSignal,
): Promise<DiffResult> {
  const k = built.kustomization;
  const baseDiscovery = new DiscoveryCache(client);
  const tenancy = new Tenancy({ client, discovery: baseDiscovery, qps: 100, burst: 300, retryMs: 1_000 });
  let access;
  try {
    access = await tenancy.access(k, signal);
  } catch (err) {
    return { outcomes: [], errors: [`Kustomization ${idOf(k)}: ${messageOf(err)}`] };
  }
  let plan;
  try {
    plan = await planApply(built.objects, access.discovery, [], signal);
  } catch (err) {
    return { outcomes: [], errors: [messageOf(err)] };
  }
  const planned = plan.stages.flatMap((s) => s.items);
  const outcomes: DiffOutcome[] = [];
  const errors: string[] = [];
  // One at a time keeps the output in apply order and the API server unhurried.
  // Objects in a Namespace this build creates cannot be dry-run before it exists: they are new.
  const newNamespaces = new Set(
    planned.filter((p) => p.meta.kind === 'Namespace' && p.meta.group === '').map((p) => p.meta.name),
  );
  for (const p of planned) {
    try {
      const outcome = await diffOne(access.client, p, signal, newNamespaces);
      if (outcome !== undefined) outcomes.push(outcome);
    } catch (err) {
      const forbidden = err instanceof ApiError && err.status === 403 ? ` (as ${access.identity})` : '';
      errors.push(p.mask(`${p.subject}: ${messageOf(err)}${forbidden}`));
    }
  }
  if (k.spec?.prune === true && errors.length === 0) {
    outcomes.push(...(await deletions(access.client, access.discovery, k, planned, signal)));
  }
  return { outcomes, errors };
}

async function diffOne(
  client: KubeClient,
  p: PlannedObject,
  signal: AbortSignal,
  newNamespaces: ReadonlySet<string>,
): Promise<DiffOutcome | undefined> {
  if (isExcluded(p.obj.metadata)) return undefined;
  // A kind a CRD of this build defines is not served yet: every object of it is new.
  if (p.res === undefined) return { action: 'created', subject: p.subject };
  let dry: KubeObject;
  try {
    dry = await client.apply(p.res, p.obj, {
      fieldManager: FIELD_MANAGER,
      force: true,
      dryRun: true,
      signal,
    });
  } catch (err) {
    if (isNotFound(err) && newNamespaces.has(p.meta.namespace)) {
      const namespaceExists = await client
        .get(CoreResources.Namespace, p.meta.namespace, undefined, signal)
        .then(
          () => true,
          (e: unknown) => !isNotFound(e),
        );
      if (!namespaceExists) return { action: 'created', subject: p.subject };
    }
    throw err;
  }
  const exists = (dry.metadata.resourceVersion ?? '') !== '';
  if (!exists) return { action: 'created', subject: p.subject };
  if (isExcluded(dry.metadata) || ssaPolicy(p.obj.metadata) === 'IfNotPresent') return undefined;
  let live: KubeObject;
  try {
    live = await client.get(p.res, p.meta.name, p.meta.namespace, signal);
  } catch (err) {
    if (isNotFound(err)) return { action: 'created', subject: p.subject };
    throw err;
  }
  return compareObjects(p.subject, live, dry);
}

/** What prune would delete: stale entries still present, owned by this Kustomization and not opted out. */
async function deletions(
  client: KubeClient,
  discovery: DiscoveryCache,
  k: Kustomization,
  planned: readonly PlannedObject[],
  signal: AbortSignal,
): Promise<DiffOutcome[]> {
  const next = { entries: planned.map((p) => ({ id: objectId(objMetadataOf(p.obj)), v: p.version })) };
  const stale = staleRefs(k.status?.inventory, next);
  if (stale.length === 0) return [];
  const owner = { [OwnerLabel.name]: k.metadata.name, [OwnerLabel.namespace]: k.metadata.namespace ?? '' };
  const { resolved } = await resolveRefs(discovery, stale, signal);
  const out: DiffOutcome[] = [];
  for (const r of resolved) {
    if (r.res === undefined) continue;
    let live: KubeObject;
    try {
      live = await client.get(r.res, r.meta.name, r.meta.namespace, signal);
    } catch (err) {
      if (isNotFound(err)) continue;
      throw err;
    }
    if (isExcluded(live.metadata) || isPruneDisabled(live.metadata) || !ownedBy(live.metadata, owner))
      continue;
    out.push({ action: 'deleted', subject: r.subject });
  }
  return out;
}

function idOf(k: Kustomization): string {
  return `${k.metadata.namespace ?? ''}/${k.metadata.name}`;
}

function messageOf(err: unknown): string {
  if (err instanceof ApplyError) return err.message;
  if (err instanceof ApiError) {
    const detail = err.message.replace(/^[A-Z]+ \/\S+: /, '');
    return `${err.status === 403 ? 'forbidden: ' : ''}${detail}`;
  }
  return sanitizeText(err instanceof Error ? err.message : String(err));
}
