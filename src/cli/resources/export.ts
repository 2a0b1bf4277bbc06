// Clean manifests of live objects for `export`: what a user would commit to Git, and
// what the API server accepts back unchanged (tested with a server-side dry run).
import type { KubeObject } from '../../api/object.js';

// Metadata the server, kubectl or the controllers add; none of it belongs in Git.
const DROPPED_ANNOTATIONS: ReadonlySet<string> = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  'reconcile.fluxcd.io/requestedAt',
  'reconcile.fluxcd.io/forceAt',
  'reconcile.fluxcd.io/resetAt',
]);
const DROPPED_LABELS: ReadonlySet<string> = new Set([
  // Owner labels a parent Kustomization or HelmRelease stamps on what it applies.
  'kustomize.toolkit.fluxcd.io/name',
  'kustomize.toolkit.fluxcd.io/namespace',
  'helm.toolkit.fluxcd.io/name',
  'helm.toolkit.fluxcd.io/namespace',
]);

function filtered(
  map: Record<string, string> | undefined,
  dropped: ReadonlySet<string>,
): Record<string, string> | undefined {
  if (map === undefined) return undefined;
  const kept = Object.entries(map).filter(([k]) => !dropped.has(k));
  return kept.length === 0 ? undefined : Object.fromEntries(kept);
}

// Top-level fields that carry the desired state, per kind family; everything else
// (status, server metadata) is dropped.
const CONTENT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Secret: ['type', 'data', 'stringData', 'immutable'],
  ConfigMap: ['data', 'binaryData', 'immutable'],
};

/** apiVersion, kind, metadata (name, namespace, labels, annotations) and spec; no status. */
export function exportObject(obj: KubeObject): KubeObject {
  const labels = filtered(obj.metadata.labels, DROPPED_LABELS);
  const annotations = filtered(obj.metadata.annotations, DROPPED_ANNOTATIONS);
  const metadata = {
    name: obj.metadata.name,
    ...(obj.metadata.namespace === undefined ? {} : { namespace: obj.metadata.namespace }),
    ...(labels === undefined ? {} : { labels }),
    ...(annotations === undefined ? {} : { annotations }),
  };
  const out: Record<string, unknown> = { apiVersion: obj.apiVersion, kind: obj.kind, metadata };
  const raw = obj as unknown as Record<string, unknown>;
  for (const field of CONTENT_FIELDS[obj.kind] ?? ['spec']) {
    if (raw[field] !== undefined) out[field] = raw[field];
  }
  return out as unknown as KubeObject;
}

/** Names of the credential Secrets a source references (auth, TLS, proxy), without duplicates. */
export function credentialSecretNames(obj: KubeObject): string[] {
  const spec = (obj.spec ?? {}) as Record<string, { name?: unknown } | undefined>;
  const names = ['secretRef', 'certSecretRef', 'proxySecretRef']
    .map((field) => spec[field]?.name)
    .filter((n): n is string => typeof n === 'string' && n !== '');
  return [...new Set(names)];
}
