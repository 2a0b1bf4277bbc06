// The status tables `get` prints (and tree, stats and the default run can reuse):
// NAME REVISION SUSPENDED READY STATUS AGE, NAMESPACE first across namespaces, kind-
// prefixed names for `get all`, an optional SOURCE column. Pure: the clock is passed in.
import type { KubeObject } from '../../api/object.js';
import { formatAge, formatTable } from '../ui/table.js';
import { sourceRefOf, summarizeStatus } from './status.js';

export interface TableOptions {
  /** Milliseconds since the epoch, for the AGE column. */
  readonly now: number;
  readonly allNamespaces?: boolean;
  readonly noHeader?: boolean;
  /** Prefix names with the lower-case kind (`kustomization/podinfo`), as `get all` does. */
  readonly withKind?: boolean;
  /** Add a SOURCE column (Kustomization, HelmRelease, HelmChart). */
  readonly showSource?: boolean;
}

export function statusHeaders(opts: Omit<TableOptions, 'now'>): string[] {
  return [
    ...(opts.allNamespaces === true ? ['namespace'] : []),
    'name',
    ...(opts.showSource === true ? ['source'] : []),
    'revision',
    'suspended',
    'ready',
    'status',
    'age',
  ];
}

/** One row of the table, in the order of statusHeaders. */
export function statusRow(obj: KubeObject, opts: TableOptions): string[] {
  const s = summarizeStatus(obj);
  const name = opts.withKind === true ? `${obj.kind.toLowerCase()}/${obj.metadata.name}` : obj.metadata.name;
  const namespace = obj.metadata.namespace ?? '';
  const source = sourceRefOf(obj);
  const sourceCell =
    source === undefined
      ? ''
      : source.namespace === namespace
        ? `${source.kind}/${source.name}`
        : `${source.kind}/${source.namespace}/${source.name}`;
  return [
    ...(opts.allNamespaces === true ? [namespace] : []),
    name,
    ...(opts.showSource === true ? [sourceCell] : []),
    s.revision,
    s.suspended ? 'True' : 'False',
    s.ready,
    // One line per row: multi-line messages (health check lists) would break the table.
    s.message.replace(/\s*\n\s*/g, ' '),
    formatAge(obj.metadata.creationTimestamp, opts.now),
  ];
}

/** Objects in a stable order: namespace, then name. */
export function sortObjects<T extends KubeObject>(objects: readonly T[]): T[] {
  return [...objects].sort(
    (a, b) =>
      (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') ||
      a.metadata.name.localeCompare(b.metadata.name),
  );
}

/** The table lines for objects of one kind. */
export function statusTable(objects: readonly KubeObject[], opts: TableOptions): string[] {
  return formatTable(
    statusHeaders(opts),
    sortObjects(objects).map((o) => statusRow(o, opts)),
    { noHeader: opts.noHeader === true },
  );
}

/**
 * `get all`: one table per kind that has objects, in the order given, names prefixed
 * with the kind, a blank line between tables.
 */
export function statusTables(groups: readonly (readonly KubeObject[])[], opts: TableOptions): string[] {
  const tables = groups
    .filter((g) => g.length > 0)
    .map((g) => statusTable(g, { ...opts, withKind: true, showSource: false }));
  return tables.flatMap((t, i) => (i === 0 ? t : ['', ...t]));
}
