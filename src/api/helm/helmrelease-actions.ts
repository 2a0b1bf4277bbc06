// Per-action configuration of a HelmRelease: install, upgrade, test, rollback, uninstall.
// Defaults documented here are applied by the controller, not by the API server.
import { Type, type Static } from '@sinclair/typebox';
import { Duration, StringEnum, celRules } from '../schema.js';

export const CRDS_POLICIES = ['Skip', 'Create', 'CreateReplace'] as const;
export const ACTION_STRATEGIES = ['RemediateOnFailure', 'RetryOnFailure'] as const;
export const SERVER_SIDE_APPLY_MODES = ['enabled', 'disabled', 'auto'] as const;

const actionTimeout = (action: string) =>
  Type.Optional(
    Duration({
      description: `Time limit for each Kubernetes operation of the ${action}; spec.timeout by default.`,
    }),
  );

const flag = (description: string) => Type.Optional(Type.Boolean({ description }));

function actionStrategy(action: string, rule: { rule: string; message: string }) {
  return Type.Object(
    {
      name: StringEnum(ACTION_STRATEGIES, {
        description: `What to do after a failed ${action}: remediate, or retry after retryInterval.`,
      }),
      retryInterval: Type.Optional(
        Duration({ description: `Delay between ${action} retries (RetryOnFailure only); 5m by default.` }),
      ),
    },
    {
      description: `How failures of the ${action} are handled; RemediateOnFailure by default.`,
      ...celRules(rule),
    },
  );
}

/** Flags every install and upgrade takes. */
const renderFlags = (action: string) => ({
  disableHooks: flag(`Do not run chart hooks during the ${action}.`),
  disableOpenAPIValidation: flag('Do not validate rendered manifests against the OpenAPI schema.'),
  disableSchemaValidation: flag("Do not validate values against the chart's JSON schema."),
  disableTakeOwnership: flag(`Do not adopt existing objects during the ${action}.`),
  disableWait: flag(`Do not wait for the objects to become ready after the ${action}.`),
  disableWaitForJobs: flag(`Do not wait for Jobs to complete after the ${action}.`),
});

export const InstallRemediation = Type.Object(
  {
    retries: Type.Optional(
      Type.Integer({ description: 'Failed installs to retry, uninstalling in between; negative = forever.' }),
    ),
    ignoreTestFailures: flag(
      'Do not remediate when tests fail after install; test.ignoreFailures by default.',
    ),
    remediateLastFailure: flag('Remediate the last failure once no retries remain.'),
  },
  { description: 'Remediation of failed installs (uninstall).' },
);

export const Install = Type.Object(
  {
    timeout: actionTimeout('install'),
    strategy: Type.Optional(
      actionStrategy('install', {
        rule: "!has(self.retryInterval) || self.name != 'RemediateOnFailure'",
        message: ".retryInterval cannot be set when .name is 'RemediateOnFailure'",
      }),
    ),
    remediation: Type.Optional(InstallRemediation),
    crds: Type.Optional(
      StringEnum(CRDS_POLICIES, {
        description: "What to do with the chart's crds/ on install; Create by default.",
      }),
    ),
    replace: flag('Reuse the release name of a deleted release that is still in history.'),
    createNamespace: flag('Create the target namespace when missing; it is never deleted.'),
    ...renderFlags('install'),
    skipCRDs: flag('Deprecated: use crds: Skip.'),
    serverSideApply: flag('Apply with server-side apply; true by default.'),
  },
  { description: 'Configuration of Helm install actions.' },
);
export type Install = Static<typeof Install>;

export const UpgradeRemediation = Type.Object(
  {
    retries: Type.Optional(
      Type.Integer({ description: 'Failed upgrades to retry, remediating in between; negative = forever.' }),
    ),
    ignoreTestFailures: flag(
      'Do not remediate when tests fail after upgrade; test.ignoreFailures by default.',
    ),
    remediateLastFailure: flag('Remediate the last failure once no retries remain; true when retries > 0.'),
    strategy: Type.Optional(
      StringEnum(['rollback', 'uninstall'] as const, {
        description: 'How to remediate a failed upgrade; rollback by default.',
      }),
    ),
  },
  { description: 'Remediation of failed upgrades.' },
);

export const Upgrade = Type.Object(
  {
    timeout: actionTimeout('upgrade'),
    strategy: Type.Optional(
      actionStrategy('upgrade', {
        rule: "!has(self.retryInterval) || self.name == 'RetryOnFailure'",
        message: ".retryInterval can only be set when .name is 'RetryOnFailure'",
      }),
    ),
    remediation: Type.Optional(UpgradeRemediation),
    crds: Type.Optional(
      StringEnum(CRDS_POLICIES, {
        description: "What to do with the chart's crds/ on upgrade; Skip by default.",
      }),
    ),
    cleanupOnFail: flag('Delete objects created by a failed upgrade.'),
    ...renderFlags('upgrade'),
    force: flag('Replace objects instead of patching them.'),
    preserveValues: flag("Merge the previous release's values under the new ones (not declarative)."),
    serverSideApply: Type.Optional(
      StringEnum(SERVER_SIDE_APPLY_MODES, {
        description: "Server-side apply on upgrade; auto follows the release's previous choice.",
      }),
    ),
    chartNameChangeStrategy: Type.Optional(
      StringEnum(['Reinstall', 'InPlaceUpdate'] as const, {
        description: 'What a chart name change triggers; Reinstall by default.',
      }),
    ),
  },
  { description: 'Configuration of Helm upgrade actions.' },
);
export type Upgrade = Static<typeof Upgrade>;

export const TestFilter = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 253, description: 'Name of the test.' }),
    exclude: flag('Skip this test instead of running only the listed ones.'),
  },
  { description: 'Selects a Helm test to run or skip.' },
);

export const Test = Type.Object(
  {
    enable: flag('Run the chart tests after every install and upgrade.'),
    timeout: actionTimeout('test'),
    ignoreFailures: flag('Do not remediate when tests fail.'),
    filters: Type.Optional(Type.Array(TestFilter, { description: 'Tests to run or exclude.' })),
  },
  { description: 'Configuration of Helm test actions.' },
);
export type Test = Static<typeof Test>;

export const Rollback = Type.Object(
  {
    timeout: actionTimeout('rollback'),
    disableWait: flag('Do not wait for the objects to become ready after the rollback.'),
    disableWaitForJobs: flag('Do not wait for Jobs to complete after the rollback.'),
    disableHooks: flag('Do not run chart hooks during the rollback.'),
    recreate: flag('Deprecated and ignored since Helm 4.'),
    force: flag('Replace objects instead of patching them.'),
    cleanupOnFail: flag('Delete objects created by a failed rollback.'),
    serverSideApply: Type.Optional(
      StringEnum(SERVER_SIDE_APPLY_MODES, {
        description: "Server-side apply on rollback; auto follows the release's previous choice.",
      }),
    ),
  },
  { description: 'Configuration of Helm rollback actions.' },
);
export type Rollback = Static<typeof Rollback>;

export const Uninstall = Type.Object(
  {
    timeout: actionTimeout('uninstall'),
    disableHooks: flag('Do not run chart hooks during the uninstall.'),
    keepHistory: flag('Keep the release history, marking the release deleted.'),
    disableWait: flag('Do not wait for the objects to be deleted.'),
    deletionPropagation: Type.Optional(
      StringEnum(['background', 'foreground', 'orphan'] as const, {
        default: 'background',
        description: 'Propagation policy of the deletions.',
      }),
    ),
  },
  { description: 'Configuration of Helm uninstall actions.' },
);
export type Uninstall = Static<typeof Uninstall>;
