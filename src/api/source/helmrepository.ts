// HelmRepository (source.toolkit.fluxcd.io): a Helm chart repository whose index is
// published as an artifact (HTTP/S), or an OCI registry HelmCharts pull from.
import { Type, type Static } from '@sinclair/typebox';
import { AGE_COLUMN, READY_COLUMNS, defineKind } from '../crd.js';
import { AccessFrom, LocalObjectReference } from '../meta/references.js';
import { Artifact, commonStatusFields, reconcileRequestStatusFields } from '../meta/status.js';
import type { KubeObject } from '../object.js';
import { Duration, ShortDuration, StringEnum } from '../schema.js';
import { SOURCE_CATEGORIES, SOURCE_GROUP } from './group.js';
import { HelmRepositorySpecV1beta2, HelmRepositoryStatusV1beta2 } from './helmrepository-v1beta2.js';

export const HelmRepositorySpec = Type.Object(
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
  { description: 'Desired state of a Helm repository source.' },
);
export type HelmRepositorySpec = Static<typeof HelmRepositorySpec>;

export const HelmRepositoryStatus = Type.Object(
  {
    ...commonStatusFields,
    ...reconcileRequestStatusFields,
    url: Type.Optional(Type.String({ description: 'Best-effort download address of the latest artifact.' })),
    artifact: Type.Optional(Artifact),
  },
  { description: 'Observed state of a Helm repository source.' },
);
export type HelmRepositoryStatus = Static<typeof HelmRepositoryStatus>;

export type HelmRepository = KubeObject<HelmRepositorySpec, HelmRepositoryStatus>;

export const HelmRepositoryKind = defineKind({
  group: SOURCE_GROUP,
  kind: 'HelmRepository',
  plural: 'helmrepositories',
  singular: 'helmrepository',
  shortNames: ['helmrepo'],
  categories: SOURCE_CATEGORIES,
  versions: [
    {
      name: 'v1',
      storage: true,
      description: 'HelmRepository is a Helm chart repository index or OCI registry.',
      spec: HelmRepositorySpec,
      status: HelmRepositoryStatus,
      printerColumns: [{ name: 'URL', type: 'string', jsonPath: '.spec.url' }, AGE_COLUMN, ...READY_COLUMNS],
    },
    {
      name: 'v1beta2',
      served: true,
      storage: false,
      deprecated: true,
      deprecationWarning: 'source.toolkit.fluxcd.io/v1beta2 HelmRepository is deprecated, upgrade to v1',
      description:
        'HelmRepository is a Helm chart repository index or OCI registry (deprecated version, stored as v1).',
      spec: HelmRepositorySpecV1beta2,
      status: HelmRepositoryStatusV1beta2,
      printerColumns: [{ name: 'URL', type: 'string', jsonPath: '.spec.url' }, AGE_COLUMN, ...READY_COLUMNS],
    },
  ],
});
