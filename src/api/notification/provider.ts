// Provider (notification.toolkit.fluxcd.io): where and how alerts are delivered — a chat,
// an incident tool, a generic webhook, or a Git forge's commit status or PR comments.
// A static object: Flux gives it no status.
import { Type, type Static } from '@sinclair/typebox';
import { AGE_COLUMN, defineKind } from '../crd.js';
import { LocalObjectReference } from '../meta/references.js';
import type { KubeObject } from '../object.js';
import { Duration, ShortDuration, StringEnum, celRules } from '../schema.js';
import { NOTIFICATION_CATEGORIES, NOTIFICATION_GROUP } from './group.js';

/** Provider types that set commit statuses on a Git forge. */
export const COMMIT_STATUS_PROVIDER_TYPES = [
  'github',
  'gitlab',
  'gitea',
  'bitbucketserver',
  'bitbucket',
  'azuredevops',
] as const;

export const PROVIDER_TYPES = [
  'slack',
  'discord',
  'msteams',
  'rocket',
  'generic',
  'generic-hmac',
  ...COMMIT_STATUS_PROVIDER_TYPES,
  'googlechat',
  'googlepubsub',
  'webex',
  'sentry',
  'azureeventhub',
  'telegram',
  'lark',
  'matrix',
  'opsgenie',
  'alertmanager',
  'grafana',
  'githubdispatch',
  'githubpullrequestcomment',
  'giteapullrequestcomment',
  'gitlabmergerequestcomment',
  'pagerduty',
  'datadog',
  'nats',
  'zulip',
  'otel',
  'zoom',
  'incident.io',
] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** Delivery timeout when `spec.timeout` is omitted. */
export const DEFAULT_PROVIDER_TIMEOUT = '15s';

const secretReference = (description: string) =>
  Type.Optional(Type.Object(LocalObjectReference.properties, { description }));

export const ProviderSpec = Type.Object(
  {
    type: StringEnum(PROVIDER_TYPES, { description: 'Which delivery implementation to use.' }),
    interval: Type.Optional(Duration({ description: 'Unused; kept for compatibility with older objects.' })),
    channel: Type.Optional(
      Type.String({ maxLength: 2048, description: 'Destination channel, room or topic.' }),
    ),
    username: Type.Optional(
      Type.String({ maxLength: 2048, description: 'Name the messages are posted under.' }),
    ),
    address: Type.Optional(
      Type.String({
        maxLength: 2048,
        description: 'Endpoint to deliver to: a URL for most types, a project or topic for some.',
      }),
    ),
    timeout: Type.Optional(
      ShortDuration({ description: `Delivery timeout; ${DEFAULT_PROVIDER_TIMEOUT} when omitted.` }),
    ),
    proxy: Type.Optional(
      Type.String({
        pattern: '^(http|https)://.*$',
        maxLength: 2048,
        description: 'HTTP(S) proxy address. Deprecated: use proxySecretRef.',
      }),
    ),
    proxySecretRef: secretReference(
      'Secret with the proxy `address` and optional `username` and `password`.',
    ),
    secretRef: secretReference(
      'Secret with credentials: `address`, `token`, `username`, `password` and/or `headers`.',
    ),
    serviceAccountName: Type.Optional(
      Type.String({
        description:
          'ServiceAccount whose workload identity authenticates to the cloud service ' +
          '(azureeventhub, azuredevops, googlepubsub); not together with static credentials.',
      }),
    ),
    certSecretRef: secretReference(
      'Secret with TLS material: `ca.crt` to trust a server, `tls.crt` and `tls.key` for a client.',
    ),
    suspend: Type.Optional(Type.Boolean({ description: 'Stop delivering events through this provider.' })),
    commitStatusExpr: Type.Optional(
      Type.String({
        description:
          'CEL over `event`, `provider` and `alert` returning the commit status identifier ' +
          '(commit status types only).',
      }),
    ),
  },
  {
    description: 'Desired state of an alert provider.',
    ...celRules({
      rule: `self.type in [${COMMIT_STATUS_PROVIDER_TYPES.map((t) => `'${t}'`).join(', ')}] || !has(self.commitStatusExpr)`,
      message: `spec.commitStatusExpr is only supported for the ${COMMIT_STATUS_PROVIDER_TYPES.map((t) => `'${t}'`).join(', ')} provider types`,
    }),
  },
);
export type ProviderSpec = Static<typeof ProviderSpec>;

/** Flux's Provider v1beta3 has no status subresource. */
export type ProviderStatus = never;

export type Provider = KubeObject<ProviderSpec, ProviderStatus>;

export const ProviderKind = defineKind({
  group: NOTIFICATION_GROUP,
  kind: 'Provider',
  plural: 'providers',
  singular: 'provider',
  categories: NOTIFICATION_CATEGORIES,
  versions: [
    {
      name: 'v1beta3',
      storage: true,
      description: 'Provider describes where and how alerts are delivered.',
      spec: ProviderSpec,
      printerColumns: [AGE_COLUMN],
    },
  ],
});
