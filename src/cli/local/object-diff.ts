// Comparing a live object with the server's dry-run of the local one, and printing
// the outcome in the flux CLI's words. Pure: the objects come in, text goes out.
// Fields the server owns (managedFields, resourceVersion, generation, uid, creation
// time, status) never count as drift. Secret values never reach the text: each is
// `***`, changed ones `*** (before)`/`*** (after)`, and the changed keys are named.
import { stringify } from 'yaml';
import type { KubeObject } from '../../api/object.js';
import { isSecret, MASK, secretMasker } from '../../apply/mask.js';
import { LAST_APPLIED_ANNOTATION } from '../../apply/policies.js';
import type { Style } from '../ui/style.js';
import { unifiedDiff } from './unified-diff.js';

export type DiffOutcome =
  | { readonly action: 'created'; readonly subject: string }
  | { readonly action: 'unchanged'; readonly subject: string }
  | { readonly action: 'deleted'; readonly subject: string }
  | {
      readonly action: 'drifted';
      readonly subject: string;
      /** The unified diff, live → local, masked. */
      readonly diff: string;
      /** Secrets: the data/stringData keys whose values differ, are new or are gone. */
      readonly changedKeys?: readonly string[];
    };

const SERVER_METADATA = [
  'managedFields',
  'resourceVersion',
  'generation',
  'uid',
  'creationTimestamp',
  'selfLink',
];

/** A copy without what the server owns; what is left is what a user could have changed. */
export function comparable(obj: KubeObject): Record<string, unknown> {
  const copy = structuredClone(obj) as unknown as Record<string, unknown>;
  delete copy['status'];
  const meta = copy['metadata'];
  if (typeof meta === 'object' && meta !== null) {
    copy['metadata'] = Object.fromEntries(
      Object.entries(meta).filter(([key]) => !SERVER_METADATA.includes(key)),
    );
  }
  return copy;
}

/** Compares the live object with the dry-run result of applying the local one. */
export function compareObjects(subject: string, live: KubeObject, dryRun: KubeObject): DiffOutcome {
  let before = comparable(live);
  let after = comparable(dryRun);
  let changedKeys: string[] | undefined;
  if (isSecret(live) || isSecret(dryRun)) {
    ({ before, after, changedKeys } = maskSecretPair(before, after));
  }
  const fromText = toYaml(before);
  const toText = toYaml(after);
  if (fromText === toText) return { action: 'unchanged', subject };
  let diff = unifiedDiff(fromText, toText, { fromLabel: `live ${subject}`, toLabel: `local ${subject}` });
  // A value echoed where no field mask reached (an annotation, a name) is masked too.
  if (changedKeys !== undefined) diff = secretMasker(live, dryRun)(diff);
  return { action: 'drifted', subject, diff, ...(changedKeys === undefined ? {} : { changedKeys }) };
}

function toYaml(obj: unknown): string {
  return stringify(obj, { sortMapEntries: true, lineWidth: 0 });
}

type Data = Record<string, unknown>;

/** data and stringData values replaced by masks that still tell equal from changed. */
export function maskSecretPair(
  before: Data,
  after: Data,
): { before: Data; after: Data; changedKeys: string[] } {
  const b = structuredClone(before);
  const a = structuredClone(after);
  const changed = new Set<string>();
  for (const field of ['data', 'stringData']) {
    const bd = asData(b[field]);
    const ad = asData(a[field]);
    for (const key of new Set([...Object.keys(bd ?? {}), ...Object.keys(ad ?? {})])) {
      const bv = bd?.[key];
      const av = ad?.[key];
      if (bd !== undefined && bv !== undefined) bd[key] = bv === av ? MASK : `${MASK} (before)`;
      if (ad !== undefined && av !== undefined) ad[key] = bv === av ? MASK : `${MASK} (after)`;
      if (bv !== av) changed.add(key);
    }
  }
  for (const side of [b, a]) {
    const annotations = asData(asData(side['metadata'])?.['annotations']);
    if (annotations?.[LAST_APPLIED_ANNOTATION] !== undefined) annotations[LAST_APPLIED_ANNOTATION] = MASK;
  }
  return { before: b, after: a, changedKeys: [...changed].sort() };
}

function asData(v: unknown): Data | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Data) : undefined;
}

/** Flux's lines: `► Kind/ns/name created|drifted|deleted`, a drift followed by its diff. */
export function formatOutcome(outcome: DiffOutcome, s: Style): string {
  switch (outcome.action) {
    case 'unchanged':
      return '';
    case 'created':
      return `${s.green(`► ${outcome.subject} created`)}\n`;
    case 'deleted':
      return `${s.red(`► ${outcome.subject} deleted`)}\n`;
    case 'drifted': {
      const keys =
        outcome.changedKeys === undefined || outcome.changedKeys.length === 0
          ? ''
          : `  changed keys (values hidden): ${outcome.changedKeys.join(', ')}\n`;
      return `► ${outcome.subject} drifted\n${keys}${colourDiff(outcome.diff, s)}`;
    }
  }
}

function colourDiff(diff: string, s: Style): string {
  return diff
    .split('\n')
    .map((line) => {
      if (line.startsWith('---') || line.startsWith('+++')) return s.bold(line);
      if (line.startsWith('@@')) return s.cyan(line);
      if (line.startsWith('-')) return s.red(line);
      if (line.startsWith('+')) return s.green(line);
      return line;
    })
    .join('\n');
}
