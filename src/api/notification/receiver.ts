// Receiver (notification.toolkit.fluxcd.io): an incoming webhook that, once verified,
// asks the referenced Flux objects to reconcile now.
import { Type, type Static } from '@sinclair/typebox';
import { AGE_COLUMN, READY_COLUMNS, defineKind } from '../crd.js';
import { LocalObjectReference } from '../meta/references.js';
import { commonStatusFields, reconcileRequestStatusFields } from '../meta/status.js';
import type { KubeObject } from '../object.js';
import { Duration, StringEnum, celRules } from '../schema.js';
import { NOTIFICATION_CATEGORIES, NOTIFICATION_GROUP } from './group.js';
import { CrossNamespaceObjectReference } from './reference.js';

export const RECEIVER_TYPES = [
  'generic',
  'generic-hmac',
  'generic-oidc',
  'github',
  'gitlab',
  'bitbucket',
  'harbor',
  'dockerhub',
  'quay',
  'gcr',
  'nexus',
  'acr',
  'cdevents',
] as const;
export type ReceiverType = (typeof RECEIVER_TYPES)[number];

/** Token audience a generic-oidc Receiver expects when a provider names none. */
export const DEFAULT_OIDC_AUDIENCE = 'notification-controller';

export const ReceiverResource = Type.Object(
  {
    ...CrossNamespaceObjectReference.properties,
    filter: Type.Optional(
      Type.String({
        description:
          'CEL over `res` (object metadata), `req` (request body) and, for generic-oidc, `claims`; ' +
          'only objects for which it returns true are reconciled.',
      }),
    ),
  },
  { description: 'Flux objects to reconcile when the webhook fires, with an optional per-entry filter.' },
);
export type ReceiverResource = Static<typeof ReceiverResource>;

export const OIDCVariable = Type.Object(
  {
    name: Type.String({ description: 'Name under which the value is available as `vars.<name>`.' }),
    expression: Type.String({ description: 'CEL over `claims` and earlier variables.' }),
  },
  { description: 'A named CEL value shared by the validations.' },
);

export const OIDCValidation = Type.Object(
  {
    expression: Type.String({ description: 'CEL over `claims` and `vars` that must return true.' }),
    message: Type.String({ description: 'Returned to the caller when the expression is false.' }),
  },
  { description: 'A condition the token claims must satisfy.' },
);

export const OIDCProvider = Type.Object(
  {
    issuerURL: Type.String({
      pattern: '^https?://',
      description: "Issuer used for discovery; must equal the token's `iss` claim.",
    }),
    audience: Type.Optional(
      Type.String({ description: `Expected \`aud\` claim; \`${DEFAULT_OIDC_AUDIENCE}\` when omitted.` }),
    ),
    variables: Type.Optional(
      Type.Array(OIDCVariable, { description: 'Named CEL values, evaluated in order.' }),
    ),
    validations: Type.Array(OIDCValidation, {
      minItems: 1,
      description:
        "Conditions on the caller's identity; all must hold. A valid signature alone authorizes nothing.",
    }),
  },
  { description: 'An OIDC issuer whose ID tokens may call a generic-oidc Receiver.' },
);
export type OIDCProvider = Static<typeof OIDCProvider>;

export const ReceiverSpec = Type.Object(
  {
    type: StringEnum(RECEIVER_TYPES, {
      description: 'Webhook sender; decides how the request is verified and its payload read.',
    }),
    interval: Type.Optional(
      Duration({ default: '10m', description: 'How often to re-read the referenced Secret.' }),
    ),
    events: Type.Optional(
      Type.Array(Type.String(), {
        description: 'Event types to act on (e.g. `push`, `Push Hook`); all when empty.',
      }),
    ),
    resources: Type.Array(ReceiverResource, { description: 'Objects to reconcile when the webhook fires.' }),
    resourceFilter: Type.Optional(
      Type.String({
        description: 'CEL applied to every matched object, in addition to the per-entry filters.',
      }),
    ),
    secretRef: Type.Optional(
      Type.Object(LocalObjectReference.properties, {
        description:
          'Secret with the `token` key that verifies requests (gcr also `email` and `audience`). ' +
          'Required for every type except generic-oidc, which must not set it.',
      }),
    ),
    oidcProviders: Type.Optional(
      Type.Array(OIDCProvider, {
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['issuerURL'],
        description: 'Issuers whose ID tokens authenticate requests (generic-oidc only).',
      }),
    ),
    suspend: Type.Optional(Type.Boolean({ description: 'Stop handling incoming webhooks.' })),
  },
  {
    description: 'Desired state of a webhook receiver.',
    ...celRules(
      {
        rule: "self.type != 'generic-oidc' || (has(self.oidcProviders) && size(self.oidcProviders) > 0)",
        message: 'generic-oidc receivers must define at least one oidcProvider',
      },
      {
        rule: "self.type == 'generic-oidc' || !has(self.oidcProviders) || size(self.oidcProviders) == 0",
        message: 'oidcProviders can only be set when type is generic-oidc',
      },
      {
        rule: "self.type != 'generic-oidc' || !has(self.secretRef)",
        message: 'secretRef cannot be set when type is generic-oidc',
      },
      {
        rule: "self.type == 'generic-oidc' || has(self.secretRef)",
        message: 'secretRef is required when type is not generic-oidc',
      },
    ),
  },
);
export type ReceiverSpec = Static<typeof ReceiverSpec>;

export const ReceiverStatus = Type.Object(
  {
    ...commonStatusFields,
    ...reconcileRequestStatusFields,
    webhookPath: Type.Optional(
      Type.String({ description: 'Path the webhook is served at: `/hook/<sha256 digest>`.' }),
    ),
  },
  { description: 'Observed state of a webhook receiver.' },
);
export type ReceiverStatus = Static<typeof ReceiverStatus>;

export type Receiver = KubeObject<ReceiverSpec, ReceiverStatus>;

export const ReceiverKind = defineKind({
  group: NOTIFICATION_GROUP,
  kind: 'Receiver',
  plural: 'receivers',
  singular: 'receiver',
  categories: NOTIFICATION_CATEGORIES,
  versions: [
    {
      name: 'v1',
      storage: true,
      description: 'Receiver is a webhook endpoint that triggers the reconciliation of Flux objects.',
      spec: ReceiverSpec,
      status: ReceiverStatus,
      printerColumns: [AGE_COLUMN, ...READY_COLUMNS],
    },
  ],
});
