// The trace report: an object, the Flux object that applied it and the chain of
// sources behind that, as `Label: value` sections separated by `---` (Flux's layout).
// Pure: the chain is read elsewhere.
import type { KubeObject } from '../../api/object.js';
import { arrayAt, fieldAt, stringAt } from '../../health/fields.js';
import type { HealthResult } from '../../health/index.js';
import { sanitizeText } from '../../runtime/log/sanitize.js';
import { artifactOf, isSuspended, readyOf } from './flux-status.js';

export interface TraceLink {
  /** Kustomization, HelmRelease, HelmChart, GitRepository, OCIRepository, … */
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  /** Absent when the object does not exist. */
  readonly object?: KubeObject;
}

export interface Trace {
  readonly object: KubeObject;
  readonly health: HealthResult;
  /** The managing object first, then what it reads, in order. */
  readonly links: readonly TraceLink[];
}

type Row = readonly [label: string, value: string];
type Section = readonly Row[];

const OCI_SOURCE = 'org.opencontainers.image.source';
const OCI_REVISION = 'org.opencontainers.image.revision';

export function renderTrace(trace: Trace): string[] {
  const sections: Section[] = [objectSection(trace), ...trace.links.map(linkSection)];
  const width = Math.max(...sections.flatMap((s) => s.map(([label]) => label.length))) + 2;
  const lines: string[] = [];
  sections.forEach((section, i) => {
    if (i > 0) lines.push('---');
    for (const [label, value] of section) {
      const pad = ' '.repeat(width);
      // Multi-line values (health messages) stay aligned under their first line.
      lines.push(`${`${label}:`.padEnd(width)}${value.split('\n').join(`\n${pad}`)}`);
    }
  });
  return lines;
}

function objectSection(trace: Trace): Section {
  const { object, health } = trace;
  const rows: Row[] = [['Object', `${object.kind}/${object.metadata.name}`]];
  const ns = object.metadata.namespace ?? '';
  if (ns !== '') rows.push(['Namespace', ns]);
  rows.push(['Status', health.message === '' ? health.status : `${health.status} (${health.message})`]);
  return rows;
}

function linkSection(link: TraceLink): Section {
  const head: Row[] = [
    [link.kind, link.name],
    ['Namespace', link.namespace],
  ];
  const obj = link.object;
  if (obj === undefined) return [...head, ['Status', 'Not found']];
  return [...head, ...kindRows(link.kind, obj), ...statusRows(obj)];
}

function kindRows(kind: string, obj: KubeObject): Row[] {
  switch (kind) {
    case 'Kustomization':
      return compact([
        ['Target', stringAt(obj, 'spec.targetNamespace')],
        ['Path', stringAt(obj, 'spec.path', './')],
        ['Revision', stringAt(obj, 'status.lastAppliedRevision')],
        ['Origin Revision', stringAt(obj, 'status.lastAppliedOriginRevision')],
      ]);
    case 'HelmRelease': {
      const latest = arrayAt(obj, 'status.history')[0];
      return compact([
        ['Target', stringAt(obj, 'spec.targetNamespace')],
        ['Chart', stringAt(latest, 'chartName')],
        ['Revision', stringAt(latest, 'chartVersion', stringAt(obj, 'status.lastAttemptedRevision'))],
        ['Release', latest === undefined ? '' : releaseText(latest)],
      ]);
    }
    case 'HelmChart':
      return compact([
        ['Chart', stringAt(obj, 'spec.chart')],
        ['Version', stringAt(obj, 'spec.version')],
        ['Revision', artifactOf(obj)?.revision ?? ''],
      ]);
    default:
      return sourceRows(obj);
  }
}

function releaseText(snapshot: unknown): string {
  const version = fieldAt(snapshot, 'version');
  const revision = typeof version === 'number' ? `revision ${version}, ` : '';
  return `${stringAt(snapshot, 'name')} (${revision}${stringAt(snapshot, 'status', 'unknown')})`;
}

// Git references in the controller's precedence; OCI references likewise.
const REF_FIELDS: readonly Row[] = [
  ['commit', 'Commit'],
  ['name', 'Ref'],
  ['digest', 'Digest'],
  ['semver', 'Semver'],
  ['tag', 'Tag'],
  ['branch', 'Branch'],
];

function sourceRows(obj: KubeObject): Row[] {
  const ref = REF_FIELDS.find(([field]) => stringAt(obj, `spec.ref.${field}`) !== '');
  const artifact = artifactOf(obj);
  return compact([
    ['URL', sanitizeText(stringAt(obj, 'spec.url'))],
    ['Endpoint', sanitizeText(stringAt(obj, 'spec.endpoint'))],
    ['Bucket', stringAt(obj, 'spec.bucketName')],
    ref === undefined ? ['', ''] : [ref[1], stringAt(obj, `spec.ref.${ref[0]}`)],
    ['Revision', artifact?.revision ?? ''],
    ['Origin Source', sanitizeText(artifact?.metadata[OCI_SOURCE] ?? '')],
    ['Origin Revision', artifact?.metadata[OCI_REVISION] ?? ''],
  ]);
}

function statusRows(obj: KubeObject): Row[] {
  const rows: Row[] = [];
  if (isSuspended(obj)) rows.push(['Suspended', 'True']);
  const ready = readyOf(obj);
  if (ready === undefined) return [...rows, ['Status', 'Unknown (not reconciled yet)']];
  const at = ready.lastTransitionTime;
  const status =
    ready.status === 'True'
      ? `Last reconciled at ${at}`
      : ready.status === 'False'
        ? `Last reconciliation failed at ${at}`
        : `Reconciling since ${at}`;
  rows.push(['Status', status]);
  if (ready.message !== '') rows.push(['Message', sanitizeText(ready.message)]);
  return rows;
}

function compact(rows: readonly Row[]): Row[] {
  return rows.filter(([label, value]) => label !== '' && value !== '');
}
