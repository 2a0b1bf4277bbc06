// Object identity as Flux records it in inventories: cli-utils' ObjMetadata
// string `<namespace>_<name>_<group>_<kind>`, with ':' in names (RBAC objects
// such as `system:foo`) written as `__`.
import type { KubeObject } from '../api/object.js';

export interface ObjMetadata {
  readonly namespace: string;
  readonly name: string;
  readonly group: string;
  readonly kind: string;
}

const SEPARATOR = '_';
const COLON_TRANSCODED = '__';

export function objectId(m: ObjMetadata): string {
  return [m.namespace, m.name.replaceAll(':', COLON_TRANSCODED), m.group, m.kind].join(SEPARATOR);
}

/** The inverse of objectId; throws on a string that has not four fields. */
export function parseObjectId(id: string): ObjMetadata {
  const malformed = (): Error =>
    new Error(`malformed inventory id ${JSON.stringify(id)}: want <namespace>_<name>_<group>_<kind>`);
  // The namespace ends at the first separator, the kind starts after the last
  // and the group after the one before it: what is left is the name, whose
  // colons were written as double separators.
  const first = id.indexOf(SEPARATOR);
  if (first < 0) throw malformed();
  const namespace = id.slice(0, first);
  let rest = id.slice(first + 1);
  const last = rest.lastIndexOf(SEPARATOR);
  if (last < 0) throw malformed();
  const kind = rest.slice(last + 1);
  rest = rest.slice(0, last);
  const beforeLast = rest.lastIndexOf(SEPARATOR);
  if (beforeLast < 0) throw malformed();
  const group = rest.slice(beforeLast + 1);
  const name = rest.slice(0, beforeLast).replaceAll(COLON_TRANSCODED, ':');
  if (name === '' || kind === '' || name.includes(SEPARATOR)) throw malformed();
  return { namespace, name, group, kind };
}

/** The API group of an apiVersion (`apps/v1` → `apps`, `v1` → core, the empty string). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The version part of an apiVersion (`apps/v1` → `v1`). */
export function versionOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
}

export function objMetadataOf(obj: KubeObject): ObjMetadata {
  return {
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name,
    group: groupOf(obj.apiVersion),
    kind: obj.kind,
  };
}

/** `Kind/namespace/name`, or `Kind/name` for cluster-scoped objects: how every message names an object. */
export function subjectOf(m: ObjMetadata): string {
  return m.namespace === '' ? `${m.kind}/${m.name}` : `${m.kind}/${m.namespace}/${m.name}`;
}
