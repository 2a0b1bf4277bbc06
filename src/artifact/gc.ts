// Which files of one object directory are garbage, following Flux's storage GC:
// files other than the current artifact whose age exceeds the TTL go, and of what is
// left at most `records` newest files stay (oldest removed first). Symlinks and lock
// files are never counted as artifacts.

export interface GcCandidate {
  readonly name: string;
  readonly mtimeMs: number;
  readonly kind: 'file' | 'symlink' | 'other';
}

export interface GcPolicy {
  readonly current: string;
  readonly nowMs: number;
  readonly ttlMs: number;
  readonly records: number;
}

/** Temp files of interrupted writes; never served, removed once expired. */
export const TEMP_PREFIX = '.tmp-';

export function selectGarbage(entries: readonly GcCandidate[], policy: GcPolicy): string[] {
  const expired = (e: GcCandidate): boolean => policy.nowMs - e.mtimeMs > policy.ttlMs;
  const garbage: string[] = [];
  const kept: GcCandidate[] = [];
  for (const e of entries) {
    if (e.kind !== 'file' || e.name.endsWith('.lock')) continue;
    if (e.name.startsWith(TEMP_PREFIX)) {
      if (expired(e)) garbage.push(e.name);
      continue;
    }
    if (e.name !== policy.current && expired(e)) garbage.push(e.name);
    else kept.push(e);
  }
  kept.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let excess = kept.length - Math.max(policy.records, 1);
  for (const e of kept) {
    if (excess <= 0) break;
    if (e.name === policy.current) continue;
    garbage.push(e.name);
    excess--;
  }
  return garbage;
}
