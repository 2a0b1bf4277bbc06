// One object of the install manifests: a Kubernetes object whose top-level fields
// besides metadata vary by kind (spec, rules, roleRef, subjects).
import type { KubeObject } from '../api/object.js';

export type Manifest = KubeObject & { readonly [field: string]: unknown };

/** `Kind/name` or `Kind/namespace/name`, as kubectl and flux print objects. */
export function manifestRef(obj: Pick<KubeObject, 'kind' | 'metadata'>): string {
  const ns = obj.metadata.namespace;
  return ns === undefined || ns === ''
    ? `${obj.kind}/${obj.metadata.name}`
    : `${obj.kind}/${ns}/${obj.metadata.name}`;
}
