// What Helm needs from the live cluster: Capabilities (kube version and the
// served API versions) and the `lookup` template function, answered through
// Tide's own client (so impersonation and rate limits apply).
import type { KubeObject } from '../api/object.js';
import { isNotFound, type KubeClient } from '../runtime/client/index.js';
import { groupVersion, type DiscoveryCache, type DiscoverySnapshot } from '../runtime/client/discovery.js';
import type { HelmCapabilities, LookupFn } from './types.js';

/** Capabilities as Helm computes them from discovery: every group/version and group/version/Kind. */
export function helmCapabilities(snapshot: DiscoverySnapshot): HelmCapabilities {
  const versions = new Set<string>(snapshot.groupVersions);
  for (const r of snapshot.resources) {
    if (r.kind !== '' && !r.plural.includes('/')) versions.add(`${groupVersion(r)}/${r.kind}`);
  }
  return { kubeVersion: snapshot.gitVersion, apiVersions: [...versions].sort() };
}

/** Serves Helm's `lookup` from the cluster: an object, undefined when absent, or a list for an empty name. */
export function clusterLookup(client: KubeClient, discovery: DiscoveryCache): LookupFn {
  return async ({ apiVersion, kind, namespace, name }) => {
    const res = await discovery.resourceFor(apiVersion, kind);
    if (res === undefined) {
      throw new Error(`lookup: the cluster serves no ${kind} in ${apiVersion}`);
    }
    const ns = res.namespaced && namespace !== '' ? namespace : undefined;
    if (name !== '') {
      try {
        return (await client.get<KubeObject>(res, name, ns)) as unknown as Record<string, unknown>;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    }
    const list = await client.list<KubeObject>(res, { namespace: ns });
    // The items of a list carry no apiVersion/kind on the wire; Helm's
    // dynamic client fills them in, and templates read them.
    return {
      apiVersion: 'v1',
      kind: 'List',
      metadata: {},
      items: list.items.map((item) => Object.assign({ apiVersion, kind }, item)),
    };
  };
}
