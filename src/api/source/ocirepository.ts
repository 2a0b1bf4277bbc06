// OCIRepository (source.toolkit.fluxcd.io): an OCI artifact in a container registry,
// one layer of which is published as a tarball artifact.
import { Type, type Static } from '@sinclair/typebox';
import { AGE_COLUMN, READY_COLUMNS, defineKind } from '../crd.js';
import { LocalObjectReference } from '../meta/references.js';
import { Artifact, commonStatusFields, reconcileRequestStatusFields } from '../meta/status.js';
import type { KubeObject } from '../object.js';
import { Duration, ShortDuration, StringEnum } from '../schema.js';
import { SOURCE_CATEGORIES, SOURCE_GROUP } from './group.js';
import { OCIRepositorySpecV1beta2, OCIRepositoryStatusV1beta2 } from './ocirepository-v1beta2.js';
import { OCIVerification } from './verification.js';

export const OCIRepositoryRef = Type.Object(
  {
    digest: Type.Optional(
      Type.String({ description: 'Manifest digest (`sha256:<hex>`) to pull; takes precedence over semver.' }),
    ),
    semver: Type.Optional(
      Type.String({ description: 'Semver range over the tags; the highest match is pulled. Precedes tag.' }),
    ),
    semverFilter: Type.Optional(
      Type.String({ description: 'Regular expression the tags in the semver range must also match.' }),
    ),
    tag: Type.Optional(Type.String({ description: 'Tag to pull; `latest` when no ref is given.' })),
  },
  { description: 'The artifact version to pull and watch.' },
);
export type OCIRepositoryRef = Static<typeof OCIRepositoryRef>;

export const OCILayerSelector = Type.Object(
  {
    mediaType: Type.Optional(
      Type.String({ description: 'Media type of the layer to take; the first layer when omitted.' }),
    ),
    operation: Type.Optional(
      StringEnum(['extract', 'copy'] as const, {
        description: 'Extract the layer tarball (default) or store it unchanged.',
      }),
    ),
  },
  { description: 'Which layer of the artifact to use, and how.' },
);
export type OCILayerSelector = Static<typeof OCILayerSelector>;

export const OCIRepositorySpec = Type.Object(
  {
    url: Type.String({
      pattern: '^oci://.*$',
      description: 'Repository address in the registry, `oci://<host>/<path>`.',
    }),
    ref: Type.Optional(OCIRepositoryRef),
    layerSelector: Type.Optional(OCILayerSelector),
    provider: Type.Optional(
      StringEnum(['generic', 'aws', 'azure', 'gcp'] as const, {
        default: 'generic',
        description: 'Registry login through a Secret (generic) or a cloud identity.',
      }),
    ),
    secretRef: Type.Optional(LocalObjectReference),
    verify: Type.Optional(OCIVerification),
    serviceAccountName: Type.Optional(
      Type.String({
        description: 'ServiceAccount whose image pull secrets (generic) or workload identity is used.',
      }),
    ),
    certSecretRef: Type.Optional(LocalObjectReference),
    proxySecretRef: Type.Optional(LocalObjectReference),
    interval: Duration({ description: 'How often to check the registry for a new artifact.' }),
    timeout: Type.Optional(
      ShortDuration({ default: '60s', description: 'Timeout for registry operations.' }),
    ),
    ignore: Type.Optional(
      Type.String({ description: 'Exclusion patterns in .gitignore format; replaces the defaults.' }),
    ),
    insecure: Type.Optional(Type.Boolean({ description: 'Talk plain HTTP to the registry.' })),
    suspend: Type.Optional(Type.Boolean({ description: 'Stop reconciling this object.' })),
  },
  { description: 'Desired state of an OCI artifact source.' },
);
export type OCIRepositorySpec = Static<typeof OCIRepositorySpec>;

export const OCIRepositoryStatus = Type.Object(
  {
    ...commonStatusFields,
    ...reconcileRequestStatusFields,
    url: Type.Optional(Type.String({ description: 'Best-effort download address of the latest artifact.' })),
    artifact: Type.Optional(Artifact),
    observedIgnore: Type.Optional(
      Type.String({ description: 'Exclusion patterns the latest artifact was built with.' }),
    ),
    observedLayerSelector: Type.Optional(OCILayerSelector),
  },
  { description: 'Observed state of an OCI artifact source.' },
);
export type OCIRepositoryStatus = Static<typeof OCIRepositoryStatus>;

export type OCIRepository = KubeObject<OCIRepositorySpec, OCIRepositoryStatus>;

export const OCIRepositoryKind = defineKind({
  group: SOURCE_GROUP,
  kind: 'OCIRepository',
  plural: 'ocirepositories',
  singular: 'ocirepository',
  shortNames: ['ocirepo'],
  categories: SOURCE_CATEGORIES,
  versions: [
    {
      name: 'v1',
      storage: true,
      description: 'OCIRepository is an OCI artifact published as an artifact.',
      spec: OCIRepositorySpec,
      status: OCIRepositoryStatus,
      // Flux lists Age last for this kind.
      printerColumns: [{ name: 'URL', type: 'string', jsonPath: '.spec.url' }, ...READY_COLUMNS, AGE_COLUMN],
    },
    {
      name: 'v1beta2',
      served: true,
      storage: false,
      deprecated: true,
      deprecationWarning: 'source.toolkit.fluxcd.io/v1beta2 OCIRepository is deprecated, upgrade to v1',
      description:
        'OCIRepository is an OCI artifact published as an artifact (deprecated version, stored as v1).',
      spec: OCIRepositorySpecV1beta2,
      status: OCIRepositoryStatusV1beta2,
      printerColumns: [{ name: 'URL', type: 'string', jsonPath: '.spec.url' }, ...READY_COLUMNS, AGE_COLUMN],
    },
  ],
});
