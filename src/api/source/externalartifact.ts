// ExternalArtifact (source.toolkit.fluxcd.io): an artifact produced by another controller
// (e.g. an ArtifactGenerator) and consumed like any other source.
import { Type, type Static } from '@sinclair/typebox';
import { AGE_COLUMN, READY_COLUMNS, defineKind } from '../crd.js';
import { NamespacedObjectKindReference } from '../meta/references.js';
import { Artifact, commonStatusFields } from '../meta/status.js';
import type { KubeObject } from '../object.js';
import { SOURCE_CATEGORIES, SOURCE_GROUP } from './group.js';

export const ExternalArtifactSpec = Type.Object(
  { sourceRef: Type.Optional(NamespacedObjectKindReference) },
  { description: 'Desired state of an external artifact: the object it was produced for.' },
);
export type ExternalArtifactSpec = Static<typeof ExternalArtifactSpec>;

export const ExternalArtifactStatus = Type.Object(
  {
    // Not in Flux's schema: the generated CRD defaults status.observedGeneration to -1,
    // and the API server refuses a default for an undeclared field.
    observedGeneration: commonStatusFields.observedGeneration,
    artifact: Type.Optional(Artifact),
    conditions: commonStatusFields.conditions,
  },
  { description: 'Observed state of an external artifact, written by its producer.' },
);
export type ExternalArtifactStatus = Static<typeof ExternalArtifactStatus>;

export type ExternalArtifact = KubeObject<ExternalArtifactSpec, ExternalArtifactStatus>;

export const ExternalArtifactKind = defineKind({
  group: SOURCE_GROUP,
  kind: 'ExternalArtifact',
  plural: 'externalartifacts',
  singular: 'externalartifact',
  shortNames: ['ea'],
  categories: SOURCE_CATEGORIES,
  versions: [
    {
      name: 'v1',
      storage: true,
      description: 'ExternalArtifact is an artifact published by a third-party controller.',
      spec: ExternalArtifactSpec,
      status: ExternalArtifactStatus,
      printerColumns: [
        AGE_COLUMN,
        ...READY_COLUMNS,
        { name: 'Source', type: 'string', jsonPath: '.spec.sourceRef.name' },
      ],
    },
  ],
});
