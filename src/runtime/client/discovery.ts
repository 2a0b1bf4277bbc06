// API discovery: which group/versions and resources the server serves, read
// through aggregated discovery (/api and /apis in the apidiscovery.k8s.io/v2
// format: two requests for the whole server) and cached.
import type { KubeClient } from './client.js';
import type { ResourceType } from './resource.js';

export interface DiscoveredResource extends ResourceType {
  readonly verbs: readonly string[];
  /** True when this version is the group's preferred one. */
  readonly preferred: boolean;
  /** kubectl's other spellings: the singular name and the short names (`deploy`, `cm`). */
  readonly singular?: string;
  readonly shortNames?: readonly string[];
}

export interface DiscoverySnapshot {
  /** The server's version, e.g. v1.36.3. */
  readonly gitVersion: string;
  /** `group/version` (`v1` for core) of every served version. */
  readonly groupVersions: readonly string[];
  readonly resources: readonly DiscoveredResource[];
}

interface AggregatedList {
  items?: {
    metadata?: { name?: string };
    versions?: {
      version: string;
      resources?: {
        resource: string;
        singularResource?: string;
        shortNames?: string[];
        responseKind?: { group?: string; version?: string; kind?: string };
        scope?: string;
        verbs?: string[];
      }[];
    }[];
  }[];
}

const aggregatedAccept =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

/** Reads discovery from the server. */
export async function discover(client: KubeClient, signal?: AbortSignal): Promise<DiscoverySnapshot> {
  const [version, core, groups] = await Promise.all([
    client.request({ path: '/version', signal }) as Promise<{ gitVersion?: string }>,
    client.request({ path: '/api', accept: aggregatedAccept, signal }) as Promise<AggregatedList>,
    client.request({ path: '/apis', accept: aggregatedAccept, signal }) as Promise<AggregatedList>,
  ]);
  const groupVersions: string[] = [];
  const resources: DiscoveredResource[] = [];
  for (const list of [core, groups]) {
    for (const group of list.items ?? []) {
      const groupName = group.metadata?.name ?? '';
      (group.versions ?? []).forEach((v, index) => {
        groupVersions.push(groupName === '' ? v.version : `${groupName}/${v.version}`);
        for (const r of v.resources ?? []) {
          resources.push({
            group: groupName,
            version: v.version,
            plural: r.resource,
            kind: r.responseKind?.kind ?? '',
            namespaced: r.scope === 'Namespaced',
            verbs: r.verbs ?? [],
            // Versions are listed in preference order.
            preferred: index === 0,
            singular: r.singularResource ?? '',
            shortNames: r.shortNames ?? [],
          });
        }
      });
    }
  }
  return { gitVersion: version.gitVersion ?? '', groupVersions, resources };
}

/**
 * Discovery with a time-to-live; a lookup for a kind the snapshot does not
 * know refreshes it once (a CRD may just have been established).
 */
export class DiscoveryCache {
  #snapshot: DiscoverySnapshot | undefined;
  #fetchedAt = 0;
  #inflight: Promise<DiscoverySnapshot> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  async get(signal?: AbortSignal): Promise<DiscoverySnapshot> {
    if (this.#snapshot !== undefined && Date.now() - this.#fetchedAt < this.ttlMs) return this.#snapshot;
    return this.refresh(signal);
  }

  async refresh(signal?: AbortSignal): Promise<DiscoverySnapshot> {
    this.#inflight ??= discover(this.client, signal)
      .then((s) => {
        this.#snapshot = s;
        this.#fetchedAt = Date.now();
        return s;
      })
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }

  /** The resource serving `kind` in `apiVersion`, refreshing once when unknown. */
  async resourceFor(
    apiVersion: string,
    kind: string,
    signal?: AbortSignal,
  ): Promise<DiscoveredResource | undefined> {
    const find = (s: DiscoverySnapshot): DiscoveredResource | undefined =>
      s.resources.find((r) => r.kind === kind && groupVersion(r) === apiVersion && !r.plural.includes('/'));
    const found = find(await this.get(signal));
    if (found !== undefined) return found;
    return find(await this.refresh(signal));
  }
}

export function groupVersion(r: { readonly group: string; readonly version: string }): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}
