// HelmRepository source.toolkit.fluxcd.io/v1beta2: served (deprecated) so manifests written
// for it still apply, stored as v1 (no conversion webhook). Its last spec is a subset of v1,
// field for field, so nothing is dropped when such an object is stored.
// Self-contained on purpose: importing helmrepository.ts here would be an import cycle.
import { Type, type Static } from '@sinclair/typebox';
import { AccessFrom, LocalObjectReference } from '../meta/references.js';
import { Artifact, commonStatusFields, reconcileRequestStatusFields } from '../meta/status.js';
import { Duration, ShortDuration, StringEnum } from '../schema.js';

export const HelmRepositorySpecV1beta2 = Type.Object(
  {
    url: Type.String({
      pattern: '^(http|https|oci)://.*$',
      description: 'Repository address: an HTTP/S index URL or an `oci://` registry prefix.',
    }),
    secretRef: Type.Optional(LocalObjectReference),
    certSecretRef: Type.Optional(LocalObjectReference),
    passCredentials: Type.Optional(
      Type.Boolean({
        description: 'Also send the credentials to chart hosts that differ from the index host.',
      }),
    ),
    interval: Type.Optional(
      Duration({ description: 'How often to fetch the index; one minute when omitted.' }),
    ),
    insecure: Type.Optional(
      Type.Boolean({ description: 'Talk plain HTTP to the registry (type oci only).' }),
    ),
    timeout: Type.Optional(
      ShortDuration({
        description: 'Timeout for the index fetch, or for OCI pulls of dependent charts; 60s when omitted.',
      }),
    ),
    suspend: Type.Optional(Type.Boolean({ description: 'Stop reconciling this object.' })),
    accessFrom: Type.Optional(AccessFrom),
    type: Type.Optional(
      StringEnum(['default', 'oci'] as const, {
        description: 'Repository kind: an HTTP/S index (default) or an OCI registry (url must be oci://).',
      }),
    ),
    provider: Type.Optional(
      StringEnum(['generic', 'aws', 'azure', 'gcp'] as const, {
        default: 'generic',
        description: 'Registry login through a Secret (generic) or a cloud identity (type oci only).',
      }),
    ),
  },
  { description: 'Desired state of a Helm repository source (v1beta2).' },
);
export type HelmRepositorySpecV1beta2 = Static<typeof HelmRepositorySpecV1beta2>;

export const HelmRepositoryStatusV1beta2 = Type.Object(
  {
    ...commonStatusFields,
    ...reconcileRequestStatusFields,
    url: Type.Optional(Type.String({ description: 'Best-effort download address of the latest artifact.' })),
    artifact: Type.Optional(Artifact),
  },
  { description: 'Observed state of a Helm repository source (v1beta2).' },
);
export type HelmRepositoryStatusV1beta2 = Static<typeof HelmRepositoryStatusV1beta2>;
