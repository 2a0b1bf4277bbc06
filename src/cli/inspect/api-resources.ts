// Kubernetes resource words as kubectl takes them (`deployment`, `deploy`,
// `deployments.apps`, `Deployment`, `cm`) resolved through the server's aggregated
// discovery, which also carries singular names and short names.
import type { KubeClient } from '../../runtime/client/client.js';
import { discover, type DiscoveredResource } from '../../runtime/client/discovery.js';
import type { ResourceType } from '../../runtime/client/resource.js';
import { CliError, ExitCode } from '../context.js';
import { closest } from '../resources/nouns.js';

interface ServedResource extends ResourceType {
  /** Lower-case spellings that name it: plural, singular, kind, short names. */
  readonly words: readonly string[];
  /** The group's preferred version. */
  readonly preferred: boolean;
}

export class ApiResources {
  private constructor(private readonly served: readonly ServedResource[]) {}

  static async read(client: KubeClient, signal?: AbortSignal): Promise<ApiResources> {
    const snapshot = await discover(client, signal);
    return new ApiResources(
      snapshot.resources.filter((r) => !r.plural.includes('/') && r.kind !== '').map(served),
    );
  }

  /** Builds the table from plain entries (tests). */
  static of(resources: readonly (ResourceType & { words?: string[]; preferred?: boolean })[]): ApiResources {
    return new ApiResources(
      resources.map((r) => ({
        ...r,
        words: [r.plural, r.kind.toLowerCase(), ...(r.words ?? [])],
        preferred: r.preferred ?? true,
      })),
    );
  }

  /** `deployment`, `deploy`, `Deployment`, `deployments.apps`, `deployments.v1.apps`. */
  resolveWord(input: string): ResourceType {
    const word = input.toLowerCase();
    const dot = word.indexOf('.');
    const name = dot < 0 ? word : word.slice(0, dot);
    const qualifier = dot < 0 ? undefined : word.slice(dot + 1);
    const matches = this.served.filter((r) => {
      if (!r.words.includes(name)) return false;
      if (qualifier === undefined) return r.preferred;
      return r.group === qualifier || `${r.version}.${r.group}` === qualifier;
    });
    // Discovery lists groups by priority (core first), as kubectl prefers them.
    const found = matches[0];
    if (found !== undefined) return found;
    const words = [...new Set(this.served.flatMap((r) => r.words))];
    const near = closest(name, words);
    throw new CliError(
      `the server has no resource type '${input}'${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''}`,
      ExitCode.usage,
    );
  }

  /** The resource of `kind` in `apiVersion` (`apps/v1`, `v1`). */
  resolveKind(kind: string, apiVersion: string): ResourceType {
    const found = this.served.find(
      (r) => r.kind.toLowerCase() === kind.toLowerCase() && groupVersion(r) === apiVersion,
    );
    if (found !== undefined) return found;
    const kinds = this.served.filter((r) => r.kind.toLowerCase() === kind.toLowerCase());
    const hint =
      kinds.length > 0
        ? `; ${kinds[0]?.kind ?? kind} is served as ${[...new Set(kinds.map(groupVersion))].join(', ')}`
        : '';
    throw new CliError(`the server has no kind ${kind} in ${apiVersion}${hint}`, ExitCode.usage);
  }
}

function groupVersion(r: ResourceType): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

function served(r: DiscoveredResource): ServedResource {
  return {
    group: r.group,
    version: r.version,
    plural: r.plural,
    kind: r.kind,
    namespaced: r.namespaced,
    words: [r.plural, r.singular ?? '', r.kind.toLowerCase(), ...(r.shortNames ?? [])]
      .filter((w) => w !== '')
      .map((w) => w.toLowerCase()),
    preferred: r.preferred,
  };
}
