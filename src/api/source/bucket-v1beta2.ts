// Bucket source.toolkit.fluxcd.io/v1beta2: served (deprecated) so manifests written for it
// still apply, stored as v1 (no conversion webhook). This schema holds fields v1 has with the
// same meaning (and the same CEL rules), plus `accessFrom`, which Flux never implemented:
// deprecated, ignored, and pruned when the object is stored as v1.
// Self-contained on purpose: importing bucket.ts here would be an import cycle.
import { Type, type Static } from '@sinclair/typebox';
import { AccessFrom, LocalObjectReference } from '../meta/references.js';
import { Artifact, commonStatusFields, reconcileRequestStatusFields } from '../meta/status.js';
import { Duration, ShortDuration, StringEnum, celRules } from '../schema.js';

const BucketSTSV1beta2 = Type.Object(
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

export const BucketSpecV1beta2 = Type.Object(
  {
    provider: Type.Optional(
      StringEnum(['generic', 'aws', 'gcp', 'azure'] as const, {
        default: 'generic',
        description: 'Object storage API: any S3-compatible store (generic) or a cloud-native client.',
      }),
    ),
    bucketName: Type.String({ description: 'Name of the bucket.' }),
    endpoint: Type.String({ description: 'Address of the object storage service.' }),
    sts: Type.Optional(BucketSTSV1beta2),
    insecure: Type.Optional(Type.Boolean({ description: 'Talk plain HTTP to the endpoint.' })),
    region: Type.Optional(Type.String({ description: 'Region the bucket lives in.' })),
    prefix: Type.Optional(
      Type.String({ description: 'Only list objects under this key prefix (server-side filter).' }),
    ),
    secretRef: Type.Optional(LocalObjectReference),
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
    accessFrom: Type.Optional({
      ...AccessFrom,
      description:
        'Cross-namespace access list; deprecated, ignored (never implemented). Not stored: v1 has no such field.',
    }),
  },
  {
    description: 'Desired state of an object storage bucket source (v1beta2).',
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
    ),
  },
);
export type BucketSpecV1beta2 = Static<typeof BucketSpecV1beta2>;

export const BucketStatusV1beta2 = Type.Object(
  {
    ...commonStatusFields,
    ...reconcileRequestStatusFields,
    url: Type.Optional(Type.String({ description: 'Best-effort download address of the latest artifact.' })),
    artifact: Type.Optional(Artifact),
    observedIgnore: Type.Optional(
      Type.String({ description: 'Exclusion patterns the latest artifact was built with.' }),
    ),
  },
  { description: 'Observed state of an object storage bucket source (v1beta2).' },
);
export type BucketStatusV1beta2 = Static<typeof BucketStatusV1beta2>;
