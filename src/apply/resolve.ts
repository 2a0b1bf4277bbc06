// Which API resource serves each object, from discovery: one refresh for kinds
// the cached snapshot does not know, and a bounded wait for kinds that CRDs of the
// same apply set define (discovery can lag behind a CRD's Established condition).
import type { KubeObject } from '../api/object.js';
import type { DiscoveredResource, DiscoveryCache, DiscoverySnapshot } from '../runtime/client/discovery.js';
import { groupOf, versionOf } from './object-id.js';

export interface KindRef {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

function matches(r: DiscoveredResource, ref: KindRef): boolean {
  return r.group === ref.group && r.version === ref.version && r.kind === ref.kind && !r.plural.includes('/');
}

export function findResource(snapshot: DiscoverySnapshot, ref: KindRef): DiscoveredResource | undefined {
  return snapshot.resources.find((r) => matches(r, ref));
}

/** Versions of group/kind the server serves (for the "no matches" message). */
export function servedVersions(snapshot: DiscoverySnapshot, group: string, kind: string): string[] {
  return snapshot.resources
    .filter((r) => r.group === group && r.kind === kind && !r.plural.includes('/'))
    .map((r) => r.version);
}

export function kindRefOf(obj: Pick<KubeObject, 'apiVersion' | 'kind'>): KindRef {
  return { group: groupOf(obj.apiVersion), version: versionOf(obj.apiVersion), kind: obj.kind };
}

export function kindKey(ref: KindRef): string {
  return `${ref.group}/${ref.version}/${ref.kind}`;
}

/**
 * Resolves every ref; refreshes discovery once when any is unknown. Returns the
 * map of what was found (by kindKey); unknown refs are simply absent.
 */
export async function resolveKinds(
  discovery: DiscoveryCache,
  refs: readonly KindRef[],
  signal?: AbortSignal,
): Promise<{ found: Map<string, DiscoveredResource>; snapshot: DiscoverySnapshot }> {
  let snapshot = await discovery.get(signal);
  const lookup = (s: DiscoverySnapshot): Map<string, DiscoveredResource> => {
    const found = new Map<string, DiscoveredResource>();
    for (const ref of refs) {
      const r = findResource(s, ref);
      if (r !== undefined) found.set(kindKey(ref), r);
    }
    return found;
  };
  let found = lookup(snapshot);
  if (refs.some((ref) => !found.has(kindKey(ref)))) {
    snapshot = await discovery.refresh(signal);
    found = lookup(snapshot);
  }
  return { found, snapshot };
}
