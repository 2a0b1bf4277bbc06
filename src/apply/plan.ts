// The objects of one apply, checked and resolved before anything is written:
// every kind is served (or defined by a CRD of the same set), every namespaced
// object names its namespace, and each object is in its stage in apply order.
import type { KubeObject, ObjectMeta } from '../api/object.js';
import type { DiscoveredResource, DiscoveryCache, DiscoverySnapshot } from '../runtime/client/discovery.js';
import { ApplyError } from './errors.js';
import { secretMasker, type Masker } from './mask.js';
import { objectId, objMetadataOf, subjectOf, versionOf, type ObjMetadata } from './object-id.js';
import { kindKey, kindRefOf, resolveKinds, servedVersions, type KindRef } from './resolve.js';
import { planStages, type Stage } from './stages.js';

export interface PlannedObject {
  /** The object as it is sent: server-set metadata removed, no namespace when cluster-scoped. */
  readonly obj: KubeObject;
  readonly meta: ObjMetadata;
  readonly id: string;
  readonly subject: string;
  readonly version: string;
  readonly kindRef: KindRef;
  /** Unknown until discovery serves the kind (a CRD of this set defines it). */
  res: DiscoveredResource | undefined;
  readonly mask: Masker;
}

export interface ApplyPlan {
  readonly stages: { stage: Stage; items: PlannedObject[] }[];
}

/** Kinds (by kindKey) that CRDs in the set define, with their scope. */
export type DefinedKinds = ReadonlyMap<string, { readonly namespaced: boolean }>;

interface CrdShape {
  spec?: {
    group?: string;
    scope?: string;
    names?: { kind?: string };
    versions?: { name?: string; served?: boolean }[];
  };
}

export function kindsDefinedBy(objects: readonly KubeObject[]): Map<string, { namespaced: boolean }> {
  const out = new Map<string, { namespaced: boolean }>();
  for (const obj of objects) {
    if (obj.kind !== 'CustomResourceDefinition' || !obj.apiVersion.startsWith('apiextensions.k8s.io/'))
      continue;
    const spec = (obj as CrdShape).spec;
    const group = spec?.group;
    const kind = spec?.names?.kind;
    if (group === undefined || kind === undefined) continue;
    for (const v of spec?.versions ?? []) {
      if (v.name === undefined || v.served === false) continue;
      out.set(kindKey({ group, version: v.name, kind }), { namespaced: spec?.scope !== 'Cluster' });
    }
  }
  return out;
}

/** A copy without the metadata the server sets (a resourceVersion would be a precondition). */
function normalize(obj: KubeObject, namespaced: boolean): KubeObject {
  const copy = structuredClone(obj);
  const meta = copy.metadata as ObjectMeta & { selfLink?: string };
  delete meta.resourceVersion;
  delete meta.uid;
  delete meta.managedFields;
  delete meta.generation;
  delete meta.creationTimestamp;
  delete meta.selfLink;
  if (!namespaced) delete meta.namespace;
  return copy;
}

export function noMatchMessage(subject: string, ref: KindRef, snapshot: DiscoverySnapshot): string {
  const group = ref.group === '' ? 'core' : ref.group;
  const served = servedVersions(snapshot, ref.group, ref.kind);
  const versions = served.length === 0 ? '' : ` version ${ref.version} (served: ${served.join(', ')})`;
  return (
    `${subject}: no matches for kind ${ref.kind} in group ${group}${versions}: ` +
    'install its CRD first or add it to this source'
  );
}

function checkShape(obj: KubeObject, index: number): void {
  const o = obj as Partial<KubeObject>;
  if (
    typeof o.apiVersion !== 'string' ||
    o.apiVersion === '' ||
    typeof o.kind !== 'string' ||
    o.kind === ''
  ) {
    throw new ApplyError('Invalid', `object #${index + 1}`, `object #${index + 1} has no apiVersion or kind`);
  }
  if (typeof o.metadata?.name !== 'string' || o.metadata.name === '') {
    const subject = `${o.kind}/#${index + 1}`;
    throw new ApplyError('Invalid', subject, `${subject}: the object has no metadata.name`);
  }
}

/**
 * Checks and resolves `objects` and splits them into stages. Throws ApplyError
 * (nothing has been written) for a kind that nothing serves or defines and for a
 * namespaced object without a namespace; a later object with the same id replaces
 * an earlier one.
 */
export async function planApply(
  objects: readonly KubeObject[],
  discovery: DiscoveryCache,
  customStageKinds: readonly string[],
  signal: AbortSignal,
): Promise<ApplyPlan> {
  if (objects.length === 0) return { stages: [] };
  objects.forEach(checkShape);
  const defined = kindsDefinedBy(objects);
  const { found, snapshot } = await resolveKinds(discovery, objects.map(kindRefOf), signal);
  const byId = new Map<string, PlannedObject>();
  const errors: ApplyError[] = [];
  for (const input of objects) {
    const kindRef = kindRefOf(input);
    const res = found.get(kindKey(kindRef));
    const namespaced = res?.namespaced ?? defined.get(kindKey(kindRef))?.namespaced;
    const inputSubject = subjectOf(objMetadataOf(input));
    if (namespaced === undefined) {
      errors.push(new ApplyError('NotFound', inputSubject, noMatchMessage(inputSubject, kindRef, snapshot)));
      continue;
    }
    if (namespaced && (input.metadata.namespace ?? '') === '') {
      errors.push(
        new ApplyError(
          'Invalid',
          inputSubject,
          `${inputSubject}: ${input.kind} is namespaced but the object has no metadata.namespace ` +
            '(set targetNamespace or a namespace in the manifests)',
          { field: 'metadata.namespace' },
        ),
      );
      continue;
    }
    const obj = normalize(input, namespaced);
    const meta = objMetadataOf(obj);
    const id = objectId(meta);
    byId.delete(id);
    byId.set(id, {
      obj,
      meta,
      id,
      subject: subjectOf(meta),
      version: versionOf(obj.apiVersion),
      kindRef,
      res,
      mask: secretMasker(obj),
    });
  }
  if (errors.length > 0) throw combineErrors(errors);
  return { stages: planStages([...byId.values()], (p) => p.meta, customStageKinds) };
}

const LISTED = 10;

/** The first error, its message followed by the others' (at most ten in all). */
export function combineErrors(errors: readonly ApplyError[]): ApplyError {
  const [first, ...rest] = errors;
  if (first === undefined) throw new Error('combineErrors: no errors');
  if (rest.length === 0) return first;
  const lines = rest.slice(0, LISTED - 1).map((e) => e.message);
  if (rest.length > LISTED - 1) lines.push(`and ${rest.length - (LISTED - 1)} more objects failed`);
  return new ApplyError(first.reason, first.subject, [first.message, ...lines].join('\n'), {
    field: first.field,
    status: first.status,
  });
}
