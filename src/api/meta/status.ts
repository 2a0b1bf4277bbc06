// Status building blocks shared by the Flux kinds.
import { Type, type Static } from '@sinclair/typebox';
import { Int64, StringEnum, StringMap, Timestamp } from '../schema.js';

/** metav1.Condition, with the API server's own validation. */
export const Condition = Type.Object(
  {
    type: Type.String({
      maxLength: 316,
      pattern:
        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    }),
    status: StringEnum(['True', 'False', 'Unknown'] as const),
    observedGeneration: Type.Optional(Int64({ minimum: 0 })),
    lastTransitionTime: Timestamp(),
    reason: Type.String({
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    }),
    message: Type.String({ maxLength: 32768 }),
  },
  { description: 'One aspect of the observed state (kstatus compatible).' },
);
export type Condition = Static<typeof Condition>;

export const Conditions = Type.Array(Condition, {
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
  description: 'Observed conditions of the object.',
});

export const ARTIFACT_DIGEST_PATTERN = '^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$';

export const Artifact = Type.Object(
  {
    path: Type.String({ description: 'Path of the artifact in storage, relative to its root.' }),
    url: Type.String({ description: 'HTTP address the artifact is served at.' }),
    revision: Type.String({
      description: 'Human-readable revision of the source the artifact was built from.',
    }),
    digest: Type.Optional(
      Type.String({
        pattern: ARTIFACT_DIGEST_PATTERN,
        description: '`<algorithm>:<hex>` digest of the file.',
      }),
    ),
    lastUpdateTime: Timestamp({ description: 'When the artifact was last built.' }),
    size: Type.Optional(Int64({ description: 'Size of the file in bytes.' })),
    metadata: Type.Optional(StringMap({ description: 'Source-specific metadata, e.g. OCI annotations.' })),
  },
  { description: 'A file built from a source and served over HTTP.' },
);
export type Artifact = Static<typeof Artifact>;

/** Fields every Flux status carries. */
export const commonStatusFields = {
  observedGeneration: Type.Optional(Int64({ description: 'Last generation the controller acted on.' })),
  conditions: Type.Optional(Conditions),
};

export const reconcileRequestStatusFields = {
  lastHandledReconcileAt: Type.Optional(
    Type.String({ description: 'Last `reconcile.fluxcd.io/requestedAt` value the controller handled.' }),
  ),
};
