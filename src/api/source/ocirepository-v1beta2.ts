// OCIRepository source.toolkit.fluxcd.io/v1beta2: served (deprecated) so manifests written
// for it still apply, stored as v1 (no conversion webhook). Its last spec is a subset of v1,
// field for field (verify predates `trustedRootSecretRef`), so nothing is dropped on storage.
// Self-contained on purpose: importing ocirepository.ts here would be an import cycle.
import { Type, type Static } from '@sinclair/typebox';
import { LocalObjectReference } from '../meta/references.js';
import { Artifact, commonStatusFields, reconcileRequestStatusFields } from '../meta/status.js';
import { Duration, ShortDuration, StringEnum } from '../schema.js';
import { OIDCIdentityMatch } from './verification.js';

/** Signature verification as v1beta2 last had it (before `trustedRootSecretRef`). */
export const OCIVerificationV1beta2 = Type.Object(
  {
    provider: StringEnum(['cosign', 'notation'] as const, {
      default: 'cosign',
      description: 'Signing technology the signatures were made with.',
    }),
    secretRef: Type.Optional(LocalObjectReference),
    matchOIDCIdentity: Type.Optional(
      Type.Array(OIDCIdentityMatch, {
        description: 'Identities accepted for keyless signatures; any match verifies.',
      }),
    ),
  },
  {
    description:
      'How to verify the artifact signature: public keys or a trust policy in secretRef, or keyless identities.',
  },
);

const OCIRepositoryRefV1beta2 = Type.Object(
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

const OCILayerSelectorV1beta2 = Type.Object(
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

export const OCIRepositorySpecV1beta2 = Type.Object(
  {
    url: Type.String({
      pattern: '^oci://.*$',
      description: 'Repository address in the registry, `oci://<host>/<path>`.',
    }),
    ref: Type.Optional(OCIRepositoryRefV1beta2),
    layerSelector: Type.Optional(OCILayerSelectorV1beta2),
    provider: Type.Optional(
      StringEnum(['generic', 'aws', 'azure', 'gcp'] as const, {
        default: 'generic',
        description: 'Registry login through a Secret (generic) or a cloud identity.',
      }),
    ),
    secretRef: Type.Optional(LocalObjectReference),
    verify: Type.Optional(OCIVerificationV1beta2),
    serviceAccountName: Type.Optional(
      Type.String({ description: 'ServiceAccount whose image pull secrets authenticate the pull.' }),
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
  { description: 'Desired state of an OCI artifact source (v1beta2).' },
);
export type OCIRepositorySpecV1beta2 = Static<typeof OCIRepositorySpecV1beta2>;

export const OCIRepositoryStatusV1beta2 = Type.Object(
  {
    ...commonStatusFields,
    ...reconcileRequestStatusFields,
    url: Type.Optional(Type.String({ description: 'Best-effort download address of the latest artifact.' })),
    artifact: Type.Optional(Artifact),
    contentConfigChecksum: Type.Optional(
      Type.String({ description: 'Checksum of the content configuration; deprecated, ignored (never set).' }),
    ),
    observedIgnore: Type.Optional(
      Type.String({ description: 'Exclusion patterns the latest artifact was built with.' }),
    ),
    observedLayerSelector: Type.Optional(OCILayerSelectorV1beta2),
  },
  { description: 'Observed state of an OCI artifact source (v1beta2).' },
);
export type OCIRepositoryStatusV1beta2 = Static<typeof OCIRepositoryStatusV1beta2>;
