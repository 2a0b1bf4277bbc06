// HelmRelease status: release history snapshots, failure counters and what was last attempted.
import { Type, type Static } from '@sinclair/typebox';
import { ResourceInventory } from '../meta/inventory.js';
import { commonStatusFields, reconcileRequestStatusFields } from '../meta/status.js';
import { Int64, MapOf, StringEnum, Timestamp } from '../schema.js';

export const TestHookStatus = Type.Object(
  {
    lastStarted: Type.Optional(Timestamp({ description: 'When the test hook last started.' })),
    lastCompleted: Type.Optional(Timestamp({ description: 'When the test hook last completed.' })),
    phase: Type.Optional(Type.String({ description: 'Phase the test hook was last seen in.' })),
  },
  { description: 'Observed run of one test hook.' },
);

export const HelmReleaseSnapshot = Type.Object(
  {
    apiVersion: Type.Optional(Type.String({ description: 'Version of the digest calculation.' })),
    digest: Type.String({ description: '`<algorithm>:<hex>` checksum of the stored release.' }),
    name: Type.String({ description: 'Release name.' }),
    namespace: Type.String({ description: 'Namespace the release is installed in.' }),
    version: Type.Integer({ description: 'Helm release revision.' }),
    status: Type.String({ description: 'Helm release status, e.g. deployed, superseded, failed.' }),
    action: Type.Optional(Type.String({ description: 'Helm action that produced the revision.' })),
    chartName: Type.String({ description: 'Name of the released chart.' }),
    chartVersion: Type.String({ description: 'Version of the released chart.' }),
    appVersion: Type.Optional(Type.String({ description: 'App version of the released chart.' })),
    configDigest: Type.String({ description: '`<algorithm>:<hex>` checksum of the release values.' }),
    firstDeployed: Timestamp({ description: 'When the release was first deployed.' }),
    lastDeployed: Timestamp({ description: 'When the release was last deployed.' }),
    deleted: Type.Optional(Timestamp({ description: 'When the release was deleted.' })),
    testHooks: Type.Optional(
      MapOf(TestHookStatus, { description: 'Test hooks of the release, by name, as run by the controller.' }),
    ),
    ociDigest: Type.Optional(Type.String({ description: 'Digest of the OCI artifact the chart came from.' })),
  },
  { description: 'A point-in-time copy of one Helm release revision.' },
);
export type HelmReleaseSnapshot = Static<typeof HelmReleaseSnapshot>;

const counter = (description: string) => Type.Optional(Int64({ description }));
const text = (description: string) => Type.Optional(Type.String({ description }));

export const HelmReleaseStatus = Type.Object(
  {
    ...commonStatusFields,
    ...reconcileRequestStatusFields,
    observedPostRenderersDigest: text('Digest of the post-renderers of the last successful reconciliation.'),
    observedCommonMetadataDigest: text(
      'Digest of the common metadata of the last successful reconciliation.',
    ),
    lastAttemptedGeneration: counter('Last generation the controller attempted to reconcile.'),
    helmChart: text('`<namespace>/<name>` of the HelmChart created for spec.chart.'),
    storageNamespace: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 63,
        description: 'Namespace of the Helm storage of the current release.',
      }),
    ),
    history: Type.Optional(
      Type.Array(HelmReleaseSnapshot, {
        description: 'Releases performed for this object, newest first, back to the last successful one.',
      }),
    ),
    inventory: Type.Optional(ResourceInventory),
    lastAttemptedReleaseAction: Type.Optional(
      StringEnum(['install', 'upgrade'] as const, {
        description: 'Last release action; selects the active retry and remediation strategy.',
      }),
    ),
    lastAttemptedReleaseActionDuration: text('How long the last release action took (Go duration).'),
    failures: counter('Reconciliation failures against the current desired state.'),
    installFailures: counter('Install failures against the current desired state.'),
    upgradeFailures: counter('Upgrade failures against the current desired state.'),
    lastAttemptedRevision: text('Chart version of the last attempt (with `+<digest>` for OCI sources).'),
    lastAttemptedRevisionDigest: text('Artifact digest of the last attempt (OCI sources).'),
    lastAttemptedValuesChecksum: text('Deprecated: use lastAttemptedConfigDigest.'),
    lastReleaseRevision: Type.Optional(Type.Integer({ description: 'Deprecated: use history.' })),
    lastAttemptedConfigDigest: text('Digest of the values of the last attempt.'),
    lastHandledForceAt: text('Last `reconcile.fluxcd.io/forceAt` value the controller handled.'),
    lastHandledResetAt: text('Last `reconcile.fluxcd.io/resetAt` value the controller handled.'),
  },
  { description: 'Observed state of a Helm release.' },
);
export type HelmReleaseStatus = Static<typeof HelmReleaseStatus>;
