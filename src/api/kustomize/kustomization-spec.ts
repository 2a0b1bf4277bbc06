// Kustomization spec (kustomize.toolkit.fluxcd.io/v1): which source artifact to build with
// kustomize, how to transform the result, and how to apply, prune and health-check it.
import { Type, type Static } from '@sinclair/typebox';
import { DriftIgnoreRule } from '../meta/drift.js';
import { CommonMetadata, CustomHealthCheck, Image, Patch } from '../meta/kustomize.js';
import {
  DependencyReference,
  KubeConfigReference,
  LocalObjectReference,
  NamespacedObjectKindReference,
} from '../meta/references.js';
import { Duration, StringEnum, StringMap } from '../schema.js';

export const KUSTOMIZATION_SOURCE_KINDS = [
  'OCIRepository',
  'GitRepository',
  'Bucket',
  'ExternalArtifact',
] as const;

export const KustomizationSourceReference = Type.Object(
  {
    apiVersion: Type.Optional(Type.String({ description: 'API version of the source.' })),
    kind: StringEnum(KUSTOMIZATION_SOURCE_KINDS, { description: 'Kind of the source.' }),
    name: Type.String({ description: 'Name of the source.' }),
    namespace: Type.Optional(
      Type.String({ description: "Namespace of the source; the Kustomization's namespace when omitted." }),
    ),
  },
  { description: 'The source whose artifact holds the manifests.' },
);
export type KustomizationSourceReference = Static<typeof KustomizationSourceReference>;

export const DELETION_POLICIES = ['MirrorPrune', 'Delete', 'WaitForTermination', 'Orphan'] as const;
export type DeletionPolicy = (typeof DELETION_POLICIES)[number];

export const Decryption = Type.Object(
  {
    provider: StringEnum(['sops'] as const, { description: 'Decryption engine.' }),
    serviceAccountName: Type.Optional(
      Type.String({
        description:
          'ServiceAccount whose workload identity reaches cloud KMS; static credentials in secretRef win.',
      }),
    ),
    secretRef: Type.Optional(LocalObjectReference),
  },
  { description: 'How to decrypt SOPS-encrypted Secrets and kustomize env sources before applying.' },
);
export type Decryption = Static<typeof Decryption>;

export const SubstituteReference = Type.Object(
  {
    kind: StringEnum(['Secret', 'ConfigMap'] as const, { description: 'Kind of the variables source.' }),
    name: Type.String({
      minLength: 1,
      maxLength: 253,
      description: "Name of the variables source, in the Kustomization's namespace.",
    }),
    optional: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Carry on without these variables when the source does not exist.',
      }),
    ),
  },
  { description: 'A ConfigMap or Secret whose data keys are substitution variables.' },
);
export type SubstituteReference = Static<typeof SubstituteReference>;

export const SUBSTITUTE_STRATEGIES = ['WithVariables', 'Always'] as const;

export const PostBuild = Type.Object(
  {
    substitute: Type.Optional(
      StringMap({ description: 'Variables substituted for `${name}` references; win over substituteFrom.' }),
    ),
    substituteFrom: Type.Optional(
      Type.Array(SubstituteReference, {
        description: 'Sources of variables; a later entry overrides an earlier one.',
      }),
    ),
    substituteStrategy: Type.Optional(
      StringEnum(SUBSTITUTE_STRATEGIES, {
        description:
          'WithVariables (the controller default) substitutes only when some variable is defined; ' +
          'Always substitutes regardless.',
      }),
    ),
  },
  { description: 'Variable substitution applied to the built manifests.' },
);
export type PostBuild = Static<typeof PostBuild>;

export const BUILD_METADATA_OPTIONS = ['originAnnotations', 'transformerAnnotations'] as const;

export const KustomizationSpec = Type.Object(
  {
    sourceRef: KustomizationSourceReference,
    path: Type.Optional(
      Type.String({ description: 'Directory in the artifact to build; the artifact root when empty.' }),
    ),
    interval: Duration({ description: 'How often to reconcile, correcting drift; jittered.' }),
    retryInterval: Type.Optional(
      Duration({ description: 'Delay before retrying a failed reconciliation; interval when omitted.' }),
    ),
    timeout: Type.Optional(
      Duration({ description: 'Time limit for build, apply, health checks and deletion waits.' }),
    ),
    prune: Type.Boolean({ description: 'Delete objects that disappear from the source.' }),
    deletionPolicy: Type.Optional(
      StringEnum(DELETION_POLICIES, {
        description:
          'What happens to applied objects when the Kustomization is deleted; MirrorPrune ' +
          '(the controller default) deletes them only when prune is true.',
      }),
    ),
    dependsOn: Type.Optional(
      Type.Array(DependencyReference, { description: 'Kustomizations that must be ready first.' }),
    ),
    healthChecks: Type.Optional(
      Type.Array(NamespacedObjectKindReference, { description: 'Objects whose health gates readiness.' }),
    ),
    healthCheckExprs: Type.Optional(
      Type.Array(CustomHealthCheck, {
        description: 'CEL health rules for custom kinds, used when wait or healthChecks is set.',
      }),
    ),
    wait: Type.Optional(
      Type.Boolean({ description: 'Health-check every applied object; healthChecks is then ignored.' }),
    ),
    force: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Recreate objects whose update fails on an immutable field.',
      }),
    ),
    targetNamespace: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 63,
        description: 'Namespace set on every namespaced object of the build.',
      }),
    ),
    namePrefix: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Prefix added to every object name.' }),
    ),
    nameSuffix: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Suffix added to every object name.' }),
    ),
    commonMetadata: Type.Optional(CommonMetadata),
    patches: Type.Optional(
      Type.Array(Patch, { description: 'Strategic merge or JSON6902 patches applied to the build.' }),
    ),
    images: Type.Optional(Type.Array(Image, { description: 'Image name, tag and digest overrides.' })),
    components: Type.Optional(
      Type.Array(Type.String(), { description: 'Kustomize components, relative to path.' }),
    ),
    ignoreMissingComponents: Type.Optional(
      Type.Boolean({ description: 'Drop components that do not exist instead of failing.' }),
    ),
    buildMetadata: Type.Optional(
      Type.Array(StringEnum(BUILD_METADATA_OPTIONS), {
        description: 'Kustomize build metadata annotations to add to the objects.',
      }),
    ),
    postBuild: Type.Optional(PostBuild),
    decryption: Type.Optional(Decryption),
    serviceAccountName: Type.Optional(
      Type.String({ description: 'ServiceAccount to impersonate when applying and pruning.' }),
    ),
    kubeConfig: Type.Optional(KubeConfigReference),
    ignore: Type.Optional(
      Type.Array(DriftIgnoreRule, { description: 'Fields left out of drift detection and apply.' }),
    ),
    suspend: Type.Optional(Type.Boolean({ description: 'Stop reconciling this object.' })),
  },
  { description: 'Desired state of a Kustomization.' },
);
export type KustomizationSpec = Static<typeof KustomizationSpec>;
