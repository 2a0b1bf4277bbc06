// GitRepository (source.toolkit.fluxcd.io): a Git repository, checked out at a ref and
// published as a tarball artifact.
import { Type, type Static } from '@sinclair/typebox';
import { AGE_COLUMN, READY_COLUMNS, defineKind } from '../crd.js';
import { LocalObjectReference } from '../meta/references.js';
import { Artifact, commonStatusFields, reconcileRequestStatusFields } from '../meta/status.js';
import type { KubeObject } from '../object.js';
import { Duration, ShortDuration, StringEnum, celRules } from '../schema.js';
import { SOURCE_CATEGORIES, SOURCE_GROUP } from './group.js';
import { GitRepositorySpecV1beta2, GitRepositoryStatusV1beta2 } from './gitrepository-v1beta2.js';

export const GitRepositoryRef = Type.Object(
  {
    branch: Type.Optional(
      Type.String({ description: 'Branch to check out; `master` when no ref is given.' }),
    ),
    tag: Type.Optional(Type.String({ description: 'Tag to check out; takes precedence over branch.' })),
    semver: Type.Optional(
      Type.String({
        description: 'Semver range over the tags; the highest match is checked out. Precedes tag.',
      }),
    ),
    name: Type.Optional(
      Type.String({
        description:
          'Full reference to check out, e.g. `refs/heads/main` or `refs/pull/420/head`. Precedes semver.',
      }),
    ),
    commit: Type.Optional(
      Type.String({ description: 'Commit SHA to check out; takes precedence over everything else.' }),
    ),
  },
  { description: 'The Git reference to check out and watch.' },
);
export type GitRepositoryRef = Static<typeof GitRepositoryRef>;

export const GitRepositoryVerification = Type.Object(
  {
    mode: Type.Optional(
      StringEnum(['head', 'HEAD', 'Tag', 'TagAndHEAD'] as const, {
        default: 'HEAD',
        description: 'What to verify: the HEAD commit, the tag object, or both.',
      }),
    ),
    secretRef: LocalObjectReference,
  },
  { description: 'Signature verification of commits or tags against trusted PGP or SSH keys in a Secret.' },
);

export const GitRepositoryInclude = Type.Object(
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

export const GitRepositorySpec = Type.Object(
  {
    url: Type.String({
      pattern: '^(http|https|ssh)://.*$',
      description: 'Repository URL over HTTP(S) or SSH.',
    }),
    secretRef: Type.Optional(LocalObjectReference),
    provider: Type.Optional(
      StringEnum(['generic', 'aws', 'azure', 'github'] as const, {
        description:
          'How to authenticate: a Secret (generic, also when omitted) or the named cloud/app identity.',
      }),
    ),
    serviceAccountName: Type.Optional(
      Type.String({
        description: 'ServiceAccount whose workload identity authenticates (aws and azure only).',
      }),
    ),
    interval: Duration({ description: 'How often to check the repository for a new revision.' }),
    timeout: Type.Optional(ShortDuration({ default: '60s', description: 'Timeout for Git operations.' })),
    ref: Type.Optional(GitRepositoryRef),
    verify: Type.Optional(GitRepositoryVerification),
    proxySecretRef: Type.Optional(LocalObjectReference),
    ignore: Type.Optional(
      Type.String({ description: 'Exclusion patterns in .gitignore format; replaces the defaults.' }),
    ),
    suspend: Type.Optional(Type.Boolean({ description: 'Stop reconciling this object.' })),
    recurseSubmodules: Type.Optional(Type.Boolean({ description: 'Initialize and fetch submodules.' })),
    include: Type.Optional(
      Type.Array(GitRepositoryInclude, { description: 'Other repositories copied into this one.' }),
    ),
    sparseCheckout: Type.Optional(
      Type.Array(Type.String(), { description: 'Directories to check out; the whole tree when empty.' }),
    ),
  },
  {
    description: 'Desired state of a Git repository source.',
    ...celRules({
      rule: "!has(self.serviceAccountName) || (has(self.provider) && (self.provider == 'azure' || self.provider == 'aws'))",
      message: "serviceAccountName can only be set when provider is 'azure' or 'aws'",
    }),
  },
);
export type GitRepositorySpec = Static<typeof GitRepositorySpec>;

export const GitRepositoryStatus = Type.Object(
  {
    ...commonStatusFields,
    ...reconcileRequestStatusFields,
    artifact: Type.Optional(Artifact),
    includedArtifacts: Type.Optional(Type.Array(Artifact)),
    observedIgnore: Type.Optional(Type.String()),
    observedRecurseSubmodules: Type.Optional(Type.Boolean()),
    observedInclude: Type.Optional(Type.Array(GitRepositoryInclude)),
    observedSparseCheckout: Type.Optional(Type.Array(Type.String())),
    sourceVerificationMode: Type.Optional(Type.String()),
  },
  { description: 'Observed state of a Git repository source.' },
);
export type GitRepositoryStatus = Static<typeof GitRepositoryStatus>;

export type GitRepository = KubeObject<GitRepositorySpec, GitRepositoryStatus>;

export const GitRepositoryKind = defineKind({
  group: SOURCE_GROUP,
  kind: 'GitRepository',
  plural: 'gitrepositories',
  singular: 'gitrepository',
  shortNames: ['gitrepo'],
  categories: SOURCE_CATEGORIES,
  versions: [
    {
      name: 'v1',
      storage: true,
      description: 'GitRepository is a Git repository published as an artifact.',
      spec: GitRepositorySpec,
      status: GitRepositoryStatus,
      printerColumns: [{ name: 'URL', type: 'string', jsonPath: '.spec.url' }, AGE_COLUMN, ...READY_COLUMNS],
    },
    {
      name: 'v1beta2',
      served: true,
      storage: false,
      deprecated: true,
      deprecationWarning: 'source.toolkit.fluxcd.io/v1beta2 GitRepository is deprecated, upgrade to v1',
      description:
        'GitRepository is a Git repository published as an artifact (deprecated version, stored as v1).',
      spec: GitRepositorySpecV1beta2,
      status: GitRepositoryStatusV1beta2,
      printerColumns: [{ name: 'URL', type: 'string', jsonPath: '.spec.url' }, AGE_COLUMN, ...READY_COLUMNS],
    },
  ],
});
