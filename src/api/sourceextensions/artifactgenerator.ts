// ArtifactGenerator (source.extensions.fluxcd.io): composes files from several sources,
// or splits one source, into ExternalArtifacts.
import { Type, type Static } from '@sinclair/typebox';
import { AGE_COLUMN, READY_COLUMNS, defineKind } from '../crd.js';
import { CommonMetadata } from '../meta/kustomize.js';
import { commonStatusFields, reconcileRequestStatusFields } from '../meta/status.js';
import type { KubeObject } from '../object.js';
import { StringEnum, celRules } from '../schema.js';
import { SOURCE_EXTENSIONS_GROUP } from './group.js';

const ALIAS = '[a-z0-9]([a-z0-9_-]*[a-z0-9])?';
const OBJECT_NAME_PATTERN = '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$';

export const ArtifactSourceReference = Type.Object(
  {
    alias: Type.String({
      maxLength: 63,
      pattern: `^${ALIAS}$`,
      description: 'Name the copy operations use for this source (`@alias`); unique per generator.',
    }),
    name: Type.String({ maxLength: 253, pattern: OBJECT_NAME_PATTERN, description: 'Name of the source.' }),
    namespace: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 63,
        pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
        description: "Namespace of the source; the generator's namespace when omitted.",
      }),
    ),
    kind: StringEnum(['Bucket', 'GitRepository', 'OCIRepository', 'HelmChart', 'ExternalArtifact'] as const, {
      description: 'Kind of the source.',
    }),
  },
  { description: 'A source whose artifact the generator reads.' },
);
export type ArtifactSourceReference = Static<typeof ArtifactSourceReference>;

export const CopyOperation = Type.Object(
  {
    from: Type.String({
      maxLength: 1024,
      pattern: `^@(${ALIAS})/(.*)$`,
      description: 'Files to copy, `@<alias>/<glob or path>`.',
    }),
    to: Type.String({
      maxLength: 1024,
      pattern: '^@(artifact)/(.*)$',
      description: 'Destination in the generated artifact, `@artifact/<path>` (trailing `/` = directory).',
    }),
    exclude: Type.Optional(
      Type.Array(Type.String(), {
        maxItems: 100,
        description: 'Glob patterns removed from what `from` selects.',
      }),
    ),
    strategy: Type.Optional(
      StringEnum(['Overwrite', 'Merge', 'Extract'] as const, {
        description:
          'Overwrite existing files (default), deep-merge YAML like helm values, or unpack .tgz/.tar.gz.',
      }),
    ),
  },
  { description: 'One cp-like copy from a source into the generated artifact.' },
);
export type CopyOperation = Static<typeof CopyOperation>;

export const OutputArtifact = Type.Object(
  {
    name: Type.String({
      maxLength: 253,
      description: 'Name of the ExternalArtifact to produce; may use pathPattern captures such as `{app}`.',
    }),
    revision: Type.Optional(
      Type.String({
        maxLength: 64,
        pattern: `^@(${ALIAS})$`,
        description: '`@<alias>` whose revision the artifact takes; a content digest when omitted.',
      }),
    ),
    originRevision: Type.Optional(
      Type.String({
        maxLength: 64,
        pattern: `^@(${ALIAS})$`,
        description: '`@<alias>` whose origin revision is recorded in the artifact metadata.',
      }),
    ),
    copy: Type.Array(CopyOperation, {
      minItems: 1,
      description: 'Copy operations, applied in order; later ones overwrite earlier ones.',
    }),
  },
  { description: 'An ExternalArtifact to generate.' },
);
export type OutputArtifact = Static<typeof OutputArtifact>;

export const ArtifactGeneratorSpec = Type.Object(
  {
    sources: Type.Array(ArtifactSourceReference, {
      minItems: 1,
      maxItems: 1000,
      description: 'Sources the artifacts are built from.',
    }),
    artifacts: Type.Array(OutputArtifact, {
      minItems: 1,
      maxItems: 1000,
      description: 'Artifacts to generate; templates, one per matched directory, with pathPattern.',
    }),
    pathPattern: Type.Optional(
      Type.String({
        maxLength: 1024,
        pattern: `^@(${ALIAS})/(.*)$`,
        description:
          'Directory pattern `@<alias>/<path with {captures}>`; one artifact set is generated per ' +
          'matching directory and the captures fill the artifact templates.',
      }),
    ),
    commonMetadata: Type.Optional(CommonMetadata),
  },
  {
    description: 'Desired state of an artifact generator.',
    // Without pathPattern the names are used verbatim, so they must be object names.
    ...celRules({
      rule: `has(self.pathPattern) || self.artifacts.all(a, a.name.matches('${OBJECT_NAME_PATTERN}'))`,
      message: 'artifact names must be valid object names when pathPattern is not set',
      fieldPath: '.artifacts',
    }),
  },
);
export type ArtifactGeneratorSpec = Static<typeof ArtifactGeneratorSpec>;

export const GeneratedArtifactReference = Type.Object(
  {
    name: Type.String({ description: 'Name of the ExternalArtifact.' }),
    namespace: Type.String({ description: 'Namespace of the ExternalArtifact.' }),
    digest: Type.String({ description: 'Digest of its content.' }),
    filename: Type.String({ description: 'File name of the artifact in storage.' }),
  },
  { description: 'An ExternalArtifact the generator produced.' },
);
export type GeneratedArtifactReference = Static<typeof GeneratedArtifactReference>;

export const ArtifactGeneratorStatus = Type.Object(
  {
    ...reconcileRequestStatusFields,
    // observedGeneration is not in Flux's schema: the generated CRD defaults it to -1, and
    // the API server refuses a default for an undeclared field.
    ...commonStatusFields,
    inventory: Type.Optional(
      Type.Array(GeneratedArtifactReference, { description: 'ExternalArtifacts currently generated.' }),
    ),
    observedSourcesDigest: Type.Optional(
      Type.String({ description: 'Digest over the revisions of all sources last seen.' }),
    ),
  },
  { description: 'Observed state of an artifact generator.' },
);
export type ArtifactGeneratorStatus = Static<typeof ArtifactGeneratorStatus>;

export type ArtifactGenerator = KubeObject<ArtifactGeneratorSpec, ArtifactGeneratorStatus>;

export const ArtifactGeneratorKind = defineKind({
  group: SOURCE_EXTENSIONS_GROUP,
  kind: 'ArtifactGenerator',
  plural: 'artifactgenerators',
  singular: 'artifactgenerator',
  shortNames: ['ag'],
  versions: [
    {
      name: 'v1beta1',
      storage: true,
      description: 'ArtifactGenerator builds ExternalArtifacts from the artifacts of other sources.',
      spec: ArtifactGeneratorSpec,
      status: ArtifactGeneratorStatus,
      printerColumns: [AGE_COLUMN, ...READY_COLUMNS],
    },
  ],
});
