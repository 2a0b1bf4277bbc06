// ImageRepository (image.toolkit.fluxcd.io): a container image repository whose tags are
// scanned at an interval and kept for ImagePolicies to choose from.
import { Type, type Static } from '@sinclair/typebox';
import { AGE_COLUMN, READY_COLUMNS, defineKind } from '../crd.js';
import { AccessFrom, LocalObjectReference } from '../meta/references.js';
import { commonStatusFields, reconcileRequestStatusFields } from '../meta/status.js';
import type { KubeObject } from '../object.js';
import { Duration, ShortDuration, StringEnum, Timestamp } from '../schema.js';
import { IMAGE_CATEGORIES, IMAGE_GROUP } from './group.js';

/** Tags excluded when `spec.exclusionList` is omitted: cosign signatures. */
export const DEFAULT_EXCLUSION_LIST = ['^.*\\.sig$'] as const;

const secretReference = (description: string) =>
  Type.Optional(Type.Object(LocalObjectReference.properties, { description }));

export const ImageRepositorySpec = Type.Object(
  {
    image: Type.String({
      description: 'Image repository without scheme or tag, e.g. `ghcr.io/org/app` or `alpine`.',
    }),
    interval: Duration({ description: 'How often to scan the repository for tags.' }),
    timeout: Type.Optional(ShortDuration({ description: 'Timeout of one scan; the interval by default.' })),
    secretRef: secretReference('Registry credentials: a Secret of type `kubernetes.io/dockerconfigjson`.'),
    proxySecretRef: secretReference(
      'Secret with the proxy `address` and optional `username` and `password`.',
    ),
    serviceAccountName: Type.Optional(
      Type.String({
        maxLength: 253,
        description: 'ServiceAccount whose image pull secrets (or workload identity) authenticate.',
      }),
    ),
    certSecretRef: secretReference(
      'Secret with TLS material: `ca.crt` to trust the registry, `tls.crt` and `tls.key` for a client.',
    ),
    suspend: Type.Optional(Type.Boolean({ description: 'Stop scanning; a running scan finishes.' })),
    accessFrom: Type.Optional(AccessFrom),
    exclusionList: Type.Optional(
      Type.Array(Type.String(), {
        maxItems: 25,
        default: [...DEFAULT_EXCLUSION_LIST],
        description: 'Regular expressions; matching tags are not stored.',
      }),
    ),
    provider: Type.Optional(
      StringEnum(['generic', 'aws', 'azure', 'gcp'] as const, {
        default: 'generic',
        description: 'How to authenticate: secrets (generic) or the named cloud identity.',
      }),
    ),
    insecure: Type.Optional(Type.Boolean({ description: 'Allow a plain-HTTP registry.' })),
  },
  { description: 'Desired state of an image repository scan.' },
);
export type ImageRepositorySpec = Static<typeof ImageRepositorySpec>;

export const ScanResult = Type.Object(
  {
    revision: Type.Optional(Type.String({ description: 'Stable hash of the scanned tag set.' })),
    tagCount: Type.Integer({ description: 'Number of tags found.' }),
    scanTime: Type.Optional(Timestamp({ description: 'When the scan ran.' })),
    latestTags: Type.Optional(
      Type.Array(Type.String(), { description: 'The first 10 tags in descending string order.' }),
    ),
  },
  { description: 'Summary of the last scan.' },
);
export type ScanResult = Static<typeof ScanResult>;

export const ImageRepositoryStatus = Type.Object(
  {
    ...commonStatusFields,
    ...reconcileRequestStatusFields,
    canonicalImageName: Type.Optional(
      Type.String({ description: 'The image with its implied parts spelled out (`docker.io/library/…`).' }),
    ),
    lastScanResult: Type.Optional(ScanResult),
    observedExclusionList: Type.Optional(
      Type.Array(Type.String(), { description: 'Exclusion list the last scan result was built with.' }),
    ),
  },
  { description: 'Observed state of an image repository scan.' },
);
export type ImageRepositoryStatus = Static<typeof ImageRepositoryStatus>;

export type ImageRepository = KubeObject<ImageRepositorySpec, ImageRepositoryStatus>;

export const ImageRepositoryKind = defineKind({
  group: IMAGE_GROUP,
  kind: 'ImageRepository',
  plural: 'imagerepositories',
  singular: 'imagerepository',
  shortNames: ['imgrepo', 'imagerepo'],
  categories: IMAGE_CATEGORIES,
  versions: [
    {
      name: 'v1',
      storage: true,
      description: 'ImageRepository scans a container image repository for tags.',
      spec: ImageRepositorySpec,
      status: ImageRepositoryStatus,
      printerColumns: [
        { name: 'Image', type: 'string', jsonPath: '.spec.image' },
        { name: 'Tags', type: 'string', jsonPath: '.status.lastScanResult.tagCount' },
        ...READY_COLUMNS,
        { name: 'Last scan', type: 'string', jsonPath: '.status.lastScanResult.scanTime', priority: 1 },
        AGE_COLUMN,
      ],
    },
  ],
});
