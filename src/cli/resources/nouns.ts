// The flux CLI's resource nouns (`source git`, `kustomization`, `image policy`, …) and
// the Tide kinds they name. Commands that take a noun (get, export, suspend, resume,
// delete, reconcile, events --for, …) are built from this one table so every command
// accepts the same words, and an unknown one gets the close ones suggested.
import { ArtifactGeneratorKind } from '../../api/sourceextensions/artifactgenerator.js';
import type { KindDefinition } from '../../api/crd.js';
import { HelmReleaseKind } from '../../api/helm/helmrelease.js';
import { ImagePolicyKind } from '../../api/image/imagepolicy.js';
import { ImageRepositoryKind } from '../../api/image/imagerepository.js';
import { ImageUpdateAutomationKind } from '../../api/image/imageupdateautomation.js';
import { KustomizationKind } from '../../api/kustomize/kustomization.js';
import { AlertKind } from '../../api/notification/alert.js';
import { ProviderKind } from '../../api/notification/provider.js';
import { ReceiverKind } from '../../api/notification/receiver.js';
import { BucketKind } from '../../api/source/bucket.js';
import { ExternalArtifactKind } from '../../api/source/externalartifact.js';
import { GitRepositoryKind } from '../../api/source/gitrepository.js';
import { HelmChartKind } from '../../api/source/helmchart.js';
import { HelmRepositoryKind } from '../../api/source/helmrepository.js';
import { OCIRepositoryKind } from '../../api/source/ocirepository.js';
import { resourceFor, type ResourceType } from '../../runtime/client/resource.js';

export interface Noun {
  /** The words after the verb: ['source', 'git'], ['kustomization']. */
  readonly words: readonly string[];
  /** Other spellings of the last word (`ks`, `kustomizations`). */
  readonly aliases: readonly string[];
  readonly kind: KindDefinition;
  readonly resource: ResourceType;
  /** Reconciled objects have a Ready condition and honour requestedAt; Alert/Provider do not. */
  readonly reconcilable: boolean;
  /** Whether `spec.suspend` exists. */
  readonly suspendable: boolean;
  /** Sources: referenced as `sourceRef` and shown under `get sources`. */
  readonly source: boolean;
}

function noun(
  words: readonly string[],
  kind: KindDefinition,
  opts: { aliases?: readonly string[]; reconcilable?: boolean; suspendable?: boolean; source?: boolean } = {},
): Noun {
  return {
    words,
    aliases: opts.aliases ?? [],
    kind,
    resource: resourceFor(kind),
    reconcilable: opts.reconcilable ?? true,
    suspendable: opts.suspendable ?? true,
    source: opts.source ?? false,
  };
}

export const NOUNS: readonly Noun[] = [
  noun(['source', 'git'], GitRepositoryKind, {
    aliases: ['gitrepository', 'gitrepositories', 'gitrepo'],
    source: true,
  }),
  noun(['source', 'oci'], OCIRepositoryKind, {
    aliases: ['ocirepository', 'ocirepositories', 'ocirepo'],
    source: true,
  }),
  noun(['source', 'bucket'], BucketKind, { aliases: ['buckets'], source: true }),
  noun(['source', 'helm'], HelmRepositoryKind, {
    aliases: ['helmrepository', 'helmrepositories', 'helmrepo'],
    source: true,
  }),
  noun(['source', 'chart'], HelmChartKind, { aliases: ['helmchart', 'helmcharts'], source: true }),
  noun(['source', 'external'], ExternalArtifactKind, {
    aliases: ['externalartifact', 'externalartifacts'],
    suspendable: false,
    source: true,
  }),
  noun(['kustomization'], KustomizationKind, { aliases: ['kustomizations', 'ks'] }),
  noun(['helmrelease'], HelmReleaseKind, { aliases: ['helmreleases', 'hr'] }),
  noun(['alert'], AlertKind, { aliases: ['alerts'], reconcilable: false }),
  noun(['alert-provider'], ProviderKind, {
    aliases: ['alert-providers', 'provider', 'providers'],
    reconcilable: false,
  }),
  noun(['receiver'], ReceiverKind, { aliases: ['receivers'] }),
  noun(['image', 'repository'], ImageRepositoryKind, {
    aliases: ['imagerepository', 'imagerepositories', 'imagerepo'],
  }),
  noun(['image', 'policy'], ImagePolicyKind, { aliases: ['imagepolicy', 'imagepolicies'] }),
  noun(['image', 'update'], ImageUpdateAutomationKind, {
    aliases: ['imageupdateautomation', 'imageupdateautomations', 'imageupdate'],
  }),
  noun(['artifact', 'generator'], ArtifactGeneratorKind, {
    aliases: ['artifactgenerator', 'artifactgenerators'],
    suspendable: false,
  }),
];

/** `source git`, `kustomization`: how a noun is written in messages and help. */
export function nounName(n: Noun): string {
  return n.words.join(' ');
}

export function nounForKind(kind: string): Noun | undefined {
  const k = kind.toLowerCase();
  return NOUNS.find((n) => n.kind.kind.toLowerCase() === k);
}

/** Levenshtein distance, for suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

/** The candidates closest to `word` (distance ≤ 2, or a prefix), best first. */
export function closest(word: string, candidates: readonly string[], max = 3): string[] {
  const w = word.toLowerCase();
  const scored = candidates
    .map((c) => ({ c, d: c.startsWith(w) || w.startsWith(c) ? 0.5 : editDistance(w, c.toLowerCase()) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(w.length / 3)))
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c));
  // Only the closest ones: `gitrepositry` is one edit from gitrepository, not four from ocirepository.
  const best = scored[0]?.d ?? 0;
  return scored
    .filter((x) => x.d <= best + 1)
    .slice(0, max)
    .map((x) => x.c);
}

/**
 * A kind written the way `--for`, `--source`, `--health-check` and `trace --kind` take
 * it: `Kustomization`, `kustomization`, `ks`, `GitRepository`, `gitrepo`.
 */
export function nounForKindWord(word: string): Noun | undefined {
  const w = word.toLowerCase();
  return NOUNS.find(
    (n) =>
      n.kind.kind.toLowerCase() === w || n.aliases.includes(w) || n.kind.shortNames?.includes(w) === true,
  );
}

/** Every spelling nounForKindWord accepts, for suggestions. */
export function kindWords(): string[] {
  return [...new Set(NOUNS.flatMap((n) => [n.kind.kind.toLowerCase(), ...n.aliases]))];
}
