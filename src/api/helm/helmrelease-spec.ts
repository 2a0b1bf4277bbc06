// HelmRelease spec (helm.toolkit.fluxcd.io/v2): the chart, its values, and how the
// controller installs, upgrades, tests, remediates and checks the release for drift.
import { Type, type Static } from '@sinclair/typebox';
import { DriftIgnoreRule } from '../meta/drift.js';
import { CommonMetadata, CustomHealthCheck, Image, Patch } from '../meta/kustomize.js';
import { DependencyReference, KubeConfigReference, ValuesReference } from '../meta/references.js';
import { Duration, FreeForm, StringEnum, celRules } from '../schema.js';
import { Install, Rollback, Test, Uninstall, Upgrade } from './helmrelease-actions.js';
import { HelmChartReference, HelmChartTemplate } from './helmrelease-chart.js';

export const DRIFT_DETECTION_MODES = ['enabled', 'warn', 'disabled'] as const;
export const POST_RENDER_STRATEGIES = ['nohooks', 'combined', 'separate'] as const;
export const WAIT_STRATEGIES = ['poller', 'legacy'] as const;

export const DriftDetection = Type.Object(
  {
    mode: Type.Optional(
      StringEnum(DRIFT_DETECTION_MODES, {
        description: 'enabled corrects drift, warn only reports it; disabled by default.',
      }),
    ),
    ignore: Type.Optional(
      Type.Array(DriftIgnoreRule, { description: 'Fields left out of drift detection.' }),
    ),
  },
  { description: 'Comparison of the stored release manifest with the cluster.' },
);
export type DriftDetection = Static<typeof DriftDetection>;

export const PostRenderer = Type.Object(
  {
    kustomize: Type.Optional(
      Type.Object(
        {
          patches: Type.Optional(
            Type.Array(Patch, { description: 'Patches applied to the rendered manifests.' }),
          ),
          images: Type.Optional(Type.Array(Image, { description: 'Image overrides.' })),
        },
        { description: 'Kustomize transformations of the rendered manifests.' },
      ),
    ),
  },
  { description: 'A post-renderer run on the rendered chart.' },
);
export type PostRenderer = Static<typeof PostRenderer>;

export const WaitStrategy = Type.Object(
  {
    name: StringEnum(WAIT_STRATEGIES, {
      description: 'poller waits with kstatus (the default), legacy with the Helm 3 logic.',
    }),
  },
  { description: 'How Helm waits for applied objects to become ready.' },
);

export const HelmReleaseSpec = Type.Object(
  {
    chart: Type.Optional(HelmChartTemplate),
    chartRef: Type.Optional(HelmChartReference),
    interval: Duration({ description: 'How often to reconcile the release.' }),
    kubeConfig: Type.Optional(KubeConfigReference),
    suspend: Type.Optional(Type.Boolean({ description: 'Stop reconciling this object.' })),
    releaseName: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 53,
        description: 'Helm release name; `[<targetNamespace>-]<name>` by default.',
      }),
    ),
    targetNamespace: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 63,
        description: "Namespace the release installs into; the HelmRelease's by default.",
      }),
    ),
    storageNamespace: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 63,
        description: "Namespace of the Helm release storage; the HelmRelease's by default.",
      }),
    ),
    dependsOn: Type.Optional(
      Type.Array(DependencyReference, { description: 'HelmReleases that must be ready first.' }),
    ),
    timeout: Type.Optional(
      Duration({ description: 'Time limit for each Kubernetes operation of an action; 5m by default.' }),
    ),
    maxHistory: Type.Optional(
      Type.Integer({ description: 'Release revisions Helm keeps; 0 is unlimited, 5 by default.' }),
    ),
    serviceAccountName: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 253,
        description: 'ServiceAccount to impersonate for Helm actions.',
      }),
    ),
    persistentClient: Type.Optional(
      Type.Boolean({
        description: 'Reuse one Kubernetes client for a whole reconciliation; true by default.',
      }),
    ),
    driftDetection: Type.Optional(DriftDetection),
    install: Type.Optional(Install),
    upgrade: Type.Optional(Upgrade),
    test: Type.Optional(Test),
    rollback: Type.Optional(Rollback),
    uninstall: Type.Optional(Uninstall),
    valuesFrom: Type.Optional(
      Type.Array(ValuesReference, {
        description: 'Values sources merged in order before the inline values.',
      }),
    ),
    values: Type.Optional(FreeForm({ description: 'Inline chart values, merged over valuesFrom.' })),
    postRenderers: Type.Optional(
      Type.Array(PostRenderer, { description: 'Post-renderers applied in order.' }),
    ),
    postRenderStrategy: Type.Optional(
      StringEnum(POST_RENDER_STRATEGIES, {
        description:
          'Whether post-renderers see hooks: nohooks, combined (hooks with templates) or separate; ' +
          'combined by default.',
      }),
    ),
    commonMetadata: Type.Optional(CommonMetadata),
    waitStrategy: Type.Optional(WaitStrategy),
    healthCheckExprs: Type.Optional(
      Type.Array(CustomHealthCheck, {
        description: 'CEL health rules for custom kinds, used while waiting with the poller strategy.',
      }),
    ),
  },
  {
    description: 'Desired state of a Helm release.',
    ...celRules({
      rule: '(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))',
      message: 'either chart or chartRef must be set',
    }),
  },
);
export type HelmReleaseSpec = Static<typeof HelmReleaseSpec>;
