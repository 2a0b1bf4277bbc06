// The inventory a Kustomization or HelmRelease keeps of what it applied, and the
// difference between two of them (the objects to garbage-collect).
import type { ResourceInventory, ResourceRef } from '../api/meta/inventory.js';
import type { ChangeSetEntry } from './change-set.js';

/** Every applied object of the change set (deleted ones left out), in apply order, each id once. */
export function inventoryOf(changeSet: readonly ChangeSetEntry[]): ResourceInventory {
  const seen = new Set<string>();
  const entries: ResourceRef[] = [];
  for (const entry of changeSet) {
    if (entry.action === 'deleted' || seen.has(entry.id)) continue;
    seen.add(entry.id);
    entries.push({ id: entry.id, v: entry.version });
  }
  return { entries };
}

/** The entries of `old` whose id `next` no longer has, with the version they were applied with. */
export function staleRefs(old: ResourceInventory | undefined, next: ResourceInventory): ResourceRef[] {
  if (old === undefined) return [];
  const keep = new Set(next.entries.map((e) => e.id));
  const seen = new Set<string>();
  const stale: ResourceRef[] = [];
  for (const entry of old.entries) {
    if (keep.has(entry.id) || seen.has(entry.id)) continue;
    seen.add(entry.id);
    stale.push({ id: entry.id, v: entry.v });
  }
  return stale;
}
