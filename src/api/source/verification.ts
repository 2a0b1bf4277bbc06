// Signature verification of OCI artifacts, shared by OCIRepository and HelmChart (OCI charts).
import { Type, type Static } from '@sinclair/typebox';
import { LocalObjectReference } from '../meta/references.js';
import { StringEnum } from '../schema.js';

export const OIDCIdentityMatch = Type.Object(
  {
    issuer: Type.String({ description: 'Go regular expression the OIDC issuer must match.' }),
    subject: Type.String({ description: 'Go regular expression the certificate subject must match.' }),
  },
  { description: 'An issuer/subject pair a keyless signature is accepted from.' },
);
export type OIDCIdentityMatch = Static<typeof OIDCIdentityMatch>;

export const OCIVerification = Type.Object(
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
    trustedRootSecretRef: Type.Optional(LocalObjectReference),
  },
  {
    description:
      'How to verify the artifact signature: public keys or a trust policy in secretRef, keyless ' +
      'identities, and an optional Sigstore trusted root (`trusted_root.json`) for self-hosted Sigstore.',
  },
);
export type OCIVerification = Static<typeof OCIVerification>;
