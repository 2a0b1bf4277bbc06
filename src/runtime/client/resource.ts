import { storageVersion, type KindDefinition } from '../../api/crd.js';

// Where a kind lives on the API server.

export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

export function apiVersion(res: ResourceType): string {
  return res.group === '' ? res.version : `${res.group}/${res.version}`;
}

export interface PathParts {
  readonly namespace?: string | undefined;
  readonly name?: string | undefined;
  readonly subresource?: string | undefined;
}

export function resourcePath(res: ResourceType, parts: PathParts = {}): string {
  const base = res.group === '' ? `/api/${res.version}` : `/apis/${res.group}/${res.version}`;
  let path = base;
  if (res.namespaced && parts.namespace !== undefined && parts.namespace !== '') {
    path += `/namespaces/${encodeURIComponent(parts.namespace)}`;
  }
  path += `/${res.plural}`;
  if (parts.name !== undefined) path += `/${encodeURIComponent(parts.name)}`;
  if (parts.subresource !== undefined) path += `/${parts.subresource}`;
  return path;
}

export const CoreResources = {
  ConfigMap: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
  Secret: { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  Namespace: { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
  ServiceAccount: {
    group: '',
    version: 'v1',
    plural: 'serviceaccounts',
    kind: 'ServiceAccount',
    namespaced: true,
  },
  Lease: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true },
  Event: { group: 'events.k8s.io', version: 'v1', plural: 'events', kind: 'Event', namespaced: true },
} as const satisfies Record<string, ResourceType>;

/** The resource of a Tide kind at its storage version (or the given one). */
export function resourceFor(kind: KindDefinition, version = storageVersion(kind).name): ResourceType {
  return {
    group: kind.group,
    version,
    plural: kind.plural,
    kind: kind.kind,
    namespaced: (kind.scope ?? 'Namespaced') === 'Namespaced',
  };
}
