// status.history: one snapshot per distinct (digest, outcome), newest first, at most
// five (Flux's meta.History).
import type { ReconcileHistory, ReconcileSnapshot } from '../../../api/meta/history.js';
import { HISTORY_LIMIT } from './names.js';

export interface HistoryRecord {
  readonly digest: string;
  readonly status: string;
  readonly at: Date;
  readonly durationMs: number;
  readonly metadata: Readonly<Record<string, string>>;
}

export function recordHistory(history: ReconcileHistory | undefined, rec: HistoryRecord): ReconcileHistory {
  const at = rec.at.toISOString().replace(/\.\d+Z$/, 'Z');
  const list = [...(history ?? [])];
  const index = list.findIndex((s) => s.digest === rec.digest && s.lastReconciledStatus === rec.status);
  let snapshot: ReconcileSnapshot;
  if (index >= 0) {
    const old = list.splice(index, 1)[0] as ReconcileSnapshot;
    snapshot = {
      ...old,
      lastReconciled: at,
      lastReconciledDuration: goDuration(rec.durationMs),
      totalReconciliations: old.totalReconciliations + 1,
      metadata: { ...rec.metadata },
    };
  } else {
    snapshot = {
      digest: rec.digest,
      firstReconciled: at,
      lastReconciled: at,
      lastReconciledDuration: goDuration(rec.durationMs),
      lastReconciledStatus: rec.status,
      totalReconciliations: 1,
      metadata: { ...rec.metadata },
    };
  }
  return [snapshot, ...list].slice(0, HISTORY_LIMIT);
}

/** Go's time.Duration String() for a millisecond count (e.g. "1.5s", "2m3.25s", "850ms"). */
export function goDuration(ms: number): string {
  if (ms <= 0) return '0s';
  if (ms < 1000) return `${trim(ms.toFixed(3))}ms`;
  const totalSeconds = ms / 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds - hours * 3600 - minutes * 60;
  let out = '';
  if (hours > 0) out += `${hours}h`;
  if (hours > 0 || minutes > 0) out += `${minutes}m`;
  return `${out}${trim(seconds.toFixed(3))}s`;
}

function trim(n: string): string {
  return n.includes('.') ? n.replace(/0+$/, '').replace(/\.$/, '') : n;
}
