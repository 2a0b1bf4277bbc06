// `tide stats` as Flux prints it: per kind, the reconcilers running (not suspended),
// failing (Ready=False) and suspended, and the storage their artifacts take.
import type { KubeObject } from '../../api/object.js';
import { artifactOf, isSuspended, readyOf } from './flux-status.js';

export interface KindStats {
  readonly kind: string;
  readonly running: number;
  readonly failing: number;
  readonly suspended: number;
  /** Sum of status.artifact.size. */
  readonly storageBytes: number;
}

export function kindStats(kind: string, items: readonly KubeObject[]): KindStats {
  let suspended = 0;
  let failing = 0;
  let storageBytes = 0;
  for (const item of items) {
    if (isSuspended(item)) suspended++;
    if (readyOf(item)?.status === 'False') failing++;
    storageBytes += artifactOf(item)?.size ?? 0;
  }
  return { kind, running: items.length - suspended, failing, suspended, storageBytes };
}

/** `-` for nothing, else binary units with one decimal: `812 B`, `17.9 KiB`, `1.2 GiB`. */
export function formatSize(bytes: number): string {
  if (bytes <= 0) return '-';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit] ?? ''}`;
}

export const STATS_HEADERS = ['reconcilers', 'running', 'failing', 'suspended', 'storage'];

export function statsRow(s: KindStats): string[] {
  return [s.kind, String(s.running), String(s.failing), String(s.suspended), formatSize(s.storageBytes)];
}
