// Kubernetes Events of Flux objects as a table: LAST SEEN, TYPE, REASON, OBJECT,
// MESSAGE, oldest first. Events are read through events.k8s.io/v1 (what the
// controllers write); those written through core/v1 carry their times in the
// deprecated* fields, which are read too. Pure: the clock is passed in.
import { optionalIntAt, stringAt } from '../../health/fields.js';
import { formatAge } from '../ui/table.js';

export interface EventView {
  readonly uid: string;
  readonly namespace: string;
  readonly type: string;
  readonly reason: string;
  readonly kind: string;
  readonly name: string;
  readonly message: string;
  /** RFC 3339. */
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly count: number;
}

/** The fields of an events.k8s.io/v1 Event the table shows. */
export function eventView(event: unknown): EventView {
  const created = stringAt(event, 'metadata.creationTimestamp');
  const first = stringAt(event, 'eventTime', stringAt(event, 'deprecatedFirstTimestamp', created));
  const last = stringAt(
    event,
    'series.lastObservedTime',
    stringAt(event, 'deprecatedLastTimestamp', first === '' ? created : first),
  );
  return {
    uid: stringAt(event, 'metadata.uid'),
    namespace: stringAt(event, 'metadata.namespace'),
    type: stringAt(event, 'type'),
    reason: stringAt(event, 'reason'),
    kind: stringAt(event, 'regarding.kind'),
    name: stringAt(event, 'regarding.name'),
    message: stringAt(event, 'note'),
    firstSeen: first,
    lastSeen: last,
    count: optionalIntAt(event, 'series.count') ?? optionalIntAt(event, 'deprecatedCount') ?? 1,
  };
}

/** Oldest first, as kubectl and flux print them. */
export function sortEvents(events: readonly EventView[]): EventView[] {
  return [...events].sort(
    (a, b) => Date.parse(a.lastSeen) - Date.parse(b.lastSeen) || a.uid.localeCompare(b.uid),
  );
}

/** `45s`, or `5m (x3 over 12m)` for a repeated event. */
export function lastSeenText(e: EventView, now: number): string {
  const last = formatAge(e.lastSeen || undefined, now);
  return e.count > 1 ? `${last} (x${e.count} over ${formatAge(e.firstSeen || undefined, now)})` : last;
}

export function eventHeaders(showNamespace: boolean): string[] {
  return [...(showNamespace ? ['namespace'] : []), 'last seen', 'type', 'reason', 'object', 'message'];
}

export function eventRow(e: EventView, now: number, showNamespace: boolean): string[] {
  return [
    ...(showNamespace ? [e.namespace] : []),
    lastSeenText(e, now),
    e.type,
    e.reason,
    `${e.kind}/${e.name}`,
    e.message,
  ];
}

export interface EventFilter {
  /** Kinds of the objects whose events are shown. */
  readonly kinds: ReadonlySet<string>;
  /** Event types shown; empty: all. */
  readonly types: ReadonlySet<string>;
}

export function eventWanted(e: EventView, filter: EventFilter): boolean {
  return filter.kinds.has(e.kind) && (filter.types.size === 0 || filter.types.has(e.type));
}
