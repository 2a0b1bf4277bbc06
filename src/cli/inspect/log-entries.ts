// The controllers' JSON log lines: parsed, filtered by the object they concern and
// printed one line per entry. Tide's logger writes `controller` and `object`
// (`namespace/name`) on every line of a reconcile and `kind` on its outcome line;
// Flux-style fields (`name`, `namespace`, `controllerKind`) are read too. Pure.
import { nounForKind } from '../resources/nouns.js';
import type { Style } from '../ui/style.js';

export type LogLevel = 'debug' | 'info' | 'error';

export interface LogEntry {
  /** The line as written. */
  readonly raw: string;
  readonly ts: string;
  readonly level: string;
  readonly msg: string;
  readonly controller: string;
  /** Kind of the object the entry concerns; empty for process-level lines. */
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly error: string;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Undefined for a line that is not a JSON object (a stack trace, a banner). */
export function parseLogLine(line: string): LogEntry | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  let fields: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    fields = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const controller = text(fields['controller']) || text(fields['manager']) || text(fields['logger']);
  let namespace = text(fields['namespace']);
  let name = text(fields['name']);
  const object = text(fields['object']);
  if (object !== '') {
    const slash = object.indexOf('/');
    namespace = slash < 0 ? '' : object.slice(0, slash);
    name = slash < 0 ? object : object.slice(slash + 1);
  }
  const kind =
    name === ''
      ? ''
      : text(fields['kind']) ||
        text(fields['controllerKind']) ||
        text(fields['reconciler kind']) ||
        (nounForKind(text(fields['controller']))?.kind.kind ?? '');
  return {
    raw: trimmed,
    ts: text(fields['ts']) || text(fields['time']),
    level: text(fields['level']),
    msg: text(fields['msg']) || text(fields['message']),
    controller,
    kind,
    namespace,
    name,
    error: text(fields['error']),
  };
}

export interface LogFilter {
  /** Only this level (Flux's --level is an exact match). */
  readonly level?: LogLevel;
  /** Canonical kind, e.g. Kustomization. */
  readonly kind?: string;
  readonly name?: string;
  /** Only entries about objects in this namespace; undefined: every entry (-A). */
  readonly namespace?: string;
  /** Epoch milliseconds: only entries written at or after. */
  readonly since?: number;
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export function entryMatches(e: LogEntry, f: LogFilter): boolean {
  if (f.level !== undefined && e.level !== f.level) return false;
  if (f.kind !== undefined && !same(e.kind, f.kind)) return false;
  if (f.name !== undefined && !same(e.name, f.name)) return false;
  if (f.namespace !== undefined && !same(e.namespace, f.namespace)) return false;
  if (f.since !== undefined) {
    const at = Date.parse(e.ts);
    if (Number.isNaN(at) || at < f.since) return false;
  }
  return true;
}

/** `<time> <level> <controller> <Kind>/<namespace>/<name> - <message>: <error>`. */
export function formatEntry(e: LogEntry, s: Style): string {
  const level = e.level.padEnd(5);
  const coloured = e.level === 'error' ? s.red(level) : e.level === 'debug' ? s.dim(level) : level;
  const object =
    e.name === '' ? '' : `${e.kind || '?'}/${e.namespace === '' ? '' : `${e.namespace}/`}${e.name} `;
  const controller = e.controller === '' ? '' : `${e.controller} `;
  const error = e.error === '' || e.msg.includes(e.error) ? '' : `: ${e.error}`;
  return `${e.ts} ${coloured} ${controller}${object}- ${e.msg}${error}`;
}

/** Entries of several sources in time order; a line without a time stays after its predecessor. */
export function byTime(entries: readonly LogEntry[]): LogEntry[] {
  let last = -Infinity;
  return entries
    .map((e, i) => {
      const t = Date.parse(e.ts);
      if (!Number.isNaN(t)) last = t;
      return { e, i, t: last };
    })
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.e);
}
