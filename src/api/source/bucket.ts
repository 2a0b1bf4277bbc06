// Bucket (source.toolkit.fluxcd.io): objects of an S3-compatible, GCS or Azure Blob
// bucket, published as a tarball artifact.
import { Type, type Static } from '@sinclair/typebox';
import { AGE_COLUMN, READY_COLUMNS, defineKind } from '../crd.js';
import { LocalObjectReference } from '../meta/references.js';
import { Artifact, commonStatusFields, reconcileRequestStatusFields } from '../meta/status.js';
import type { KubeObject } from '../object.js';
import { Duration, ShortDuration, StringEnum, celRules } from '../schema.js';
import { SOURCE_CATEGORIES, SOURCE_GROUP } from './group.js';
import { BucketSpecV1beta2, BucketStatusV1beta2 } from './bucket-v1beta2.js';

export const BucketSTS = Type.Object(
  {
    provider: StringEnum(['aws', 'ldap'] as const, { description: 'Kind of Security Token Service.' }),
    endpoint: Type.String({
      pattern: '^(http|https)://.*$',
      description: 'HTTP/S address of the Security Token Service.',
    }),
    secretRef: Type.Optional(LocalObjectReference),
    certSecretRef: Type.Optional(LocalObjectReference),
  },
  {
    description:
      'A Security Token Service issuing temporary bucket credentials: aws for the aws provider, ' +
      'ldap (username/password in secretRef, TLS in certSecretRef) for the generic provider.',
  },
);
export type BucketSTS = Static<typeof BucketSTS>;

export const BucketSpec = Type.Object(
  {
    provider: Type.Optional(
      StringEnum(['generic', 'aws', 'gcp', 'azure'] as const, {
        default: 'generic',
        description: 'Object storage API: any S3-compatible store (generic) or a cloud-native client.',
      }),
    ),
    bucketName: Type.String({ description: 'Name of the bucket.' }),
    endpoint: Type.String({ description: 'Address of the object storage service.' }),
    sts: Type.Optional(BucketSTS),
    insecure: Type.Optional(Type.Boolean({ description: 'Talk plain HTTP to the endpoint.' })),
    region: Type.Optional(Type.String({ description: 'Region the bucket lives in.' })),
    prefix: Type.Optional(
      Type.String({ description: 'Only list objects under this key prefix (server-side filter).' }),
    ),
    secretRef: Type.Optional(LocalObjectReference),
    serviceAccountName: Type.Optional(
      Type.String({ description: 'ServiceAccount whose workload identity authenticates (not generic).' }),
    ),
    certSecretRef: Type.Optional(LocalObjectReference),
    proxySecretRef: Type.Optional(LocalObjectReference),
    interval: Duration({ description: 'How often to check the bucket for changes.' }),
    timeout: Type.Optional(
      ShortDuration({ default: '60s', description: 'Timeout for listing and download operations.' }),
    ),
    ignore: Type.Optional(
      Type.String({ description: 'Exclusion patterns in .gitignore format; replaces the defaults.' }),
    ),
    suspend: Type.Optional(Type.Boolean({ description: 'Stop reconciling this object.' })),
  },
  {
    description: 'Desired state of an object storage bucket source.',
    ...celRules(
      {
        rule: "self.provider == 'aws' || self.provider == 'generic' || !has(self.sts)",
        message: "STS configuration is only supported for the 'aws' and 'generic' Bucket providers",
      },
      {
        rule: "self.provider != 'aws' || !has(self.sts) || self.sts.provider == 'aws'",
        message: "'aws' is the only supported STS provider for the 'aws' Bucket provider",
      },
      {
        rule: "self.provider != 'generic' || !has(self.sts) || self.sts.provider == 'ldap'",
        message: "'ldap' is the only supported STS provider for the 'generic' Bucket provider",
      },
      {
        rule: "!has(self.sts) || self.sts.provider != 'aws' || !has(self.sts.secretRef)",
        message: "spec.sts.secretRef is not required for the 'aws' STS provider",
      },
      {
        rule: "!has(self.sts) || self.sts.provider != 'aws' || !has(self.sts.certSecretRef)",
        message: "spec.sts.certSecretRef is not required for the 'aws' STS provider",
      },
      {
        rule: "self.provider != 'generic' || !has(self.serviceAccountName)",
        message: "ServiceAccountName is not supported for the 'generic' Bucket provider",
      },
      {
        rule: '!has(self.secretRef) || !has(self.serviceAccountName)',
        message: 'cannot set both .spec.secretRef and .spec.serviceAccountName',
      },
    ),
  },
);
export type BucketSpec = Static<typeof BucketSpec>;

export const BucketStatus = Type.Object(
  {
    ...commonStatusFields,
    ...reconcileRequestStatusFields,
    url: Type.Optional(Type.String({ description: 'Best-effort download address of the latest artifact.' })),
    artifact: Type.Optional(Artifact),
    observedIgnore: Type.Optional(
      Type.String({ description: 'Exclusion patterns the latest artifact was built with.' }),
    ),
  },
  { description: 'Observed state of an object storage bucket source.' },
);
export type BucketStatus = Static<typeof BucketStatus>;

export type Bucket = KubeObject<BucketSpec, BucketStatus>;

export const BucketKind = defineKind({
  group: SOURCE_GROUP,
  kind: 'Bucket',
  plural: 'buckets',
  singular: 'bucket',
  categories: SOURCE_CATEGORIES,
  versions: [
    {
      name: 'v1',
      storage: true,
      description: 'Bucket is an object storage bucket published as an artifact.',
      spec: BucketSpec,
      status: BucketStatus,
      printerColumns: [
        { name: 'Endpoint', type: 'string', jsonPath: '.spec.endpoint' },
        AGE_COLUMN,
        ...READY_COLUMNS,
      ],
    },
    {
      name: 'v1beta2',
      served: true,
      storage: false,
      deprecated: true,
      deprecationWarning: 'source.toolkit.fluxcd.io/v1beta2 Bucket is deprecated, upgrade to v1',
      description:
        'Bucket is an object storage bucket published as an artifact (deprecated version, stored as v1).',
      spec: BucketSpecV1beta2,
      status: BucketStatusV1beta2,
      printerColumns: [
        { name: 'Endpoint', type: 'string', jsonPath: '.spec.endpoint' },
        AGE_COLUMN,
        ...READY_COLUMNS,
      ],
    },
  ],
});
