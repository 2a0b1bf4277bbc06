// GitRepository source.toolkit.fluxcd.io/v1beta2: served (deprecated) so manifests written
// for it still apply, stored as v1. The CRD has no conversion webhook, so this schema only
// holds fields v1 has with the same meaning, plus v1beta2 fields Flux had already made no-ops
// ("deprecated, ignored": accepted, then pruned when the object is stored as v1).
// Self-contained on purpose: importing gitrepository.ts here would be an import cycle.
import { Type, type Static } from '@sinclair/typebox';
import { AccessFrom, LocalObjectReference } from '../meta/references.js';
import { Artifact, commonStatusFields, reconcileRequestStatusFields } from '../meta/status.js';
import { Duration, ShortDuration, StringEnum } from '../schema.js';

const GitRepositoryRefV1beta2 = Type.Object(
  {
    branch: Type.Optional(
      Type.String({ description: 'Branch to check out; `master` when no ref is given.' }),
    ),
    tag: Type.Optional(Type.String({ description: 'Tag to check out; takes precedence over branch.' })),
    semver: Type.Optional(
      Type.String({ description: 'Semver range over the tags; the highest match is checked out.' }),
    ),
    name: Type.Optional(
      Type.String({ description: 'Full reference to check out, e.g. `refs/heads/main`. Precedes semver.' }),
    ),
    commit: Type.Optional(
      Type.String({ description: 'Commit SHA to check out; takes precedence over everything else.' }),
    ),
  },
  { description: 'The Git reference to check out and watch.' },
);

const GitRepositoryVerificationV1beta2 = Type.Object(
  {
    mode: StringEnum(['head'] as const, {
      description: 'What to verify; v1beta2 only knows the HEAD commit (`head`).',
    }),
    secretRef: LocalObjectReference,
  },
  { description: 'Signature verification of the HEAD commit against trusted keys in a Secret.' },
);

const GitRepositoryIncludeV1beta2 = Type.Object(
  {
    repository: LocalObjectReference,
    fromPath: Type.Optional(
      Type.String({ description: 'Path in the included artifact to copy; its root by default.' }),
    ),
    toPath: Type.Optional(
      Type.String({ description: 'Path to copy to in this artifact; the repository name by default.' }),
    ),
  },
  { description: "Another GitRepository's artifact copied into this one." },
);

export const GitRepositorySpecV1beta2 = Type.Object(
  {
    url: Type.String({
      pattern: '^(http|https|ssh)://.*$',
      description: 'Repository URL over HTTP(S) or SSH.',
    }),
    secretRef: Type.Optional(LocalObjectReference),
    interval: Duration({ description: 'How often to check the repository for a new revision.' }),
    timeout: Type.Optional(ShortDuration({ default: '60s', description: 'Timeout for Git operations.' })),
    ref: Type.Optional(GitRepositoryRefV1beta2),
    verify: Type.Optional(GitRepositoryVerificationV1beta2),
    ignore: Type.Optional(
      Type.String({ description: 'Exclusion patterns in .gitignore format; replaces the defaults.' }),
    ),
    suspend: Type.Optional(Type.Boolean({ description: 'Stop reconciling this object.' })),
    gitImplementation: Type.Optional(
      StringEnum(['go-git', 'libgit2'] as const, {
        description:
          'Git client library; deprecated, ignored (go-git is the only implementation). ' +
          'Not stored: v1 has no such field.',
      }),
    ),
    recurseSubmodules: Type.Optional(Type.Boolean({ description: 'Initialize and fetch submodules.' })),
    include: Type.Optional(
      Type.Array(GitRepositoryIncludeV1beta2, { description: 'Other repositories copied into this one.' }),
    ),
    accessFrom: Type.Optional({
      ...AccessFrom,
      description:
        'Cross-namespace access list; deprecated, ignored (never implemented). Not stored: v1 has no such field.',
    }),
  },
  { description: 'Desired state of a Git repository source (v1beta2).' },
);
export type GitRepositorySpecV1beta2 = Static<typeof GitRepositorySpecV1beta2>;

export const GitRepositoryStatusV1beta2 = Type.Object(
  {
    ...commonStatusFields,
    ...reconcileRequestStatusFields,
    url: Type.Optional(
      Type.String({
        description: 'Artifact download address; deprecated, ignored (never set, v1 dropped it).',
      }),
    ),
    artifact: Type.Optional(Artifact),
    includedArtifacts: Type.Optional(Type.Array(Artifact)),
    contentConfigChecksum: Type.Optional(
      Type.String({ description: 'Checksum of the content configuration; deprecated, ignored (never set).' }),
    ),
    observedIgnore: Type.Optional(Type.String()),
    observedRecurseSubmodules: Type.Optional(Type.Boolean()),
    observedInclude: Type.Optional(Type.Array(GitRepositoryIncludeV1beta2)),
  },
  { description: 'Observed state of a Git repository source (v1beta2).' },
);
export type GitRepositoryStatusV1beta2 = Static<typeof GitRepositoryStatusV1beta2>;
