// HelmChart (source.toolkit.fluxcd.io): a chart pulled from a HelmRepository or packaged
// from a GitRepository/Bucket path, published as a chart tarball artifact.
import { Type, type Static } from '@sinclair/typebox';
import { AGE_COLUMN, READY_COLUMNS, defineKind } from '../crd.js';
import { Artifact, commonStatusFields, reconcileRequestStatusFields } from '../meta/status.js';
import type { KubeObject } from '../object.js';
import { Duration, StringEnum, celRules } from '../schema.js';
import { SOURCE_CATEGORIES, SOURCE_GROUP } from './group.js';
import { HelmChartSpecV1beta2, HelmChartStatusV1beta2 } from './helmchart-v1beta2.js';
import { OCIVerification } from './verification.js';

export const HelmChartSourceReference = Type.Object(
  {
    apiVersion: Type.Optional(Type.String({ description: 'API version of the source.' })),
    kind: StringEnum(['HelmRepository', 'GitRepository', 'Bucket'] as const, {
      description: 'Kind of the source holding the chart.',
    }),
    name: Type.String({ description: 'Name of the source, in the HelmChart namespace.' }),
  },
  { description: 'The source the chart is taken from.' },
);
export type HelmChartSourceReference = Static<typeof HelmChartSourceReference>;

export const HelmChartSpec = Type.Object(
  {
    chart: Type.String({
      description: 'Chart name in a HelmRepository, or path to the chart in a GitRepository/Bucket.',
    }),
    version: Type.Optional(
      Type.String({
        default: '*',
        description: 'Semver range of chart versions (HelmRepository only); the latest when omitted.',
      }),
    ),
    sourceRef: HelmChartSourceReference,
    interval: Duration({ description: 'How often to check the source for a new chart.' }),
    reconcileStrategy: Type.Optional(
      StringEnum(['ChartVersion', 'Revision'] as const, {
        default: 'ChartVersion',
        description:
          'What makes a new artifact: a new chart version, or (Git/Bucket) any new source revision.',
      }),
    ),
    valuesFiles: Type.Optional(
      Type.Array(Type.String(), {
        description: 'Values files in the source, merged in order into the packaged chart values.',
      }),
    ),
    ignoreMissingValuesFiles: Type.Optional(
      Type.Boolean({ description: 'Skip values files that do not exist instead of failing.' }),
    ),
    suspend: Type.Optional(Type.Boolean({ description: 'Stop reconciling this object.' })),
    verify: Type.Optional(OCIVerification),
  },
  {
    description: 'Desired state of a Helm chart source.',
    ...celRules({
      rule: "!has(self.verify) || self.sourceRef.kind == 'HelmRepository'",
      message: "spec.verify is only supported when spec.sourceRef.kind is 'HelmRepository'",
    }),
  },
);
export type HelmChartSpec = Static<typeof HelmChartSpec>;

export const HelmChartStatus = Type.Object(
  {
    ...commonStatusFields,
    ...reconcileRequestStatusFields,
    observedSourceArtifactRevision: Type.Optional(
      Type.String({ description: 'Source artifact revision the chart was last built from.' }),
    ),
    observedChartName: Type.Optional(Type.String({ description: 'Chart name last resolved.' })),
    observedValuesFiles: Type.Optional(
      Type.Array(Type.String(), { description: 'Values files merged into the latest artifact.' }),
    ),
    url: Type.Optional(Type.String({ description: 'Best-effort download address of the latest artifact.' })),
    artifact: Type.Optional(Artifact),
  },
  { description: 'Observed state of a Helm chart source.' },
);
export type HelmChartStatus = Static<typeof HelmChartStatus>;

export type HelmChart = KubeObject<HelmChartSpec, HelmChartStatus>;

export const HelmChartKind = defineKind({
  group: SOURCE_GROUP,
  kind: 'HelmChart',
  plural: 'helmcharts',
  singular: 'helmchart',
  shortNames: ['hc'],
  categories: SOURCE_CATEGORIES,
  versions: [
    {
      name: 'v1',
      storage: true,
      description: 'HelmChart is a Helm chart published as an artifact.',
      spec: HelmChartSpec,
      status: HelmChartStatus,
      printerColumns: [
        { name: 'Chart', type: 'string', jsonPath: '.spec.chart' },
        { name: 'Version', type: 'string', jsonPath: '.spec.version' },
        { name: 'Source Kind', type: 'string', jsonPath: '.spec.sourceRef.kind' },
        { name: 'Source Name', type: 'string', jsonPath: '.spec.sourceRef.name' },
        AGE_COLUMN,
        ...READY_COLUMNS,
      ],
    },
    {
      name: 'v1beta2',
      served: true,
      storage: false,
      deprecated: true,
      deprecationWarning: 'source.toolkit.fluxcd.io/v1beta2 HelmChart is deprecated, upgrade to v1',
      description: 'HelmChart is a Helm chart published as an artifact (deprecated version, stored as v1).',
      spec: HelmChartSpecV1beta2,
      status: HelmChartStatusV1beta2,
      printerColumns: [
        { name: 'Chart', type: 'string', jsonPath: '.spec.chart' },
        { name: 'Version', type: 'string', jsonPath: '.spec.version' },
        { name: 'Source Kind', type: 'string', jsonPath: '.spec.sourceRef.kind' },
        { name: 'Source Name', type: 'string', jsonPath: '.spec.sourceRef.name' },
        AGE_COLUMN,
        ...READY_COLUMNS,
      ],
    },
  ],
});
