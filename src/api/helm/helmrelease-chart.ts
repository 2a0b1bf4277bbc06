// Where a HelmRelease gets its chart: a HelmChart template the controller creates from a
// HelmRepository/GitRepository/Bucket (`spec.chart`), or an existing chart artifact (`spec.chartRef`).
import { Type, type Static } from '@sinclair/typebox';
import { LocalObjectReference } from '../meta/references.js';
import { Duration, StringEnum, StringMap } from '../schema.js';

const referentName = () =>
  Type.String({ minLength: 1, maxLength: 253, description: 'Name of the referent.' });
const referentNamespace = () =>
  Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 63,
      description: "Namespace of the referent; the HelmRelease's namespace when omitted.",
    }),
  );

export const CHART_SOURCE_KINDS = ['HelmRepository', 'GitRepository', 'Bucket'] as const;

export const HelmChartSourceReference = Type.Object(
  {
    apiVersion: Type.Optional(Type.String({ description: 'API version of the source.' })),
    kind: StringEnum(CHART_SOURCE_KINDS, { description: 'Kind of the source.' }),
    name: referentName(),
    namespace: referentNamespace(),
  },
  { description: 'The source the chart is fetched from.' },
);

export const HelmChartTemplateVerification = Type.Object(
  {
    provider: StringEnum(['cosign', 'notation'] as const, {
      default: 'cosign',
      description: 'Signature scheme the OCI chart is signed with.',
    }),
    secretRef: Type.Optional(LocalObjectReference),
  },
  { description: 'Signature verification of OCI charts against trusted keys in a Secret.' },
);

export const HelmChartTemplateSpec = Type.Object(
  {
    chart: Type.String({
      minLength: 1,
      maxLength: 2048,
      description: 'Chart name in a Helm repository, or chart path in a Git or Bucket source.',
    }),
    version: Type.Optional(
      Type.String({
        default: '*',
        description: 'Semver range of the chart version (Helm repositories only); the latest when `*`.',
      }),
    ),
    sourceRef: HelmChartSourceReference,
    interval: Type.Optional(
      Duration({ description: "How often the HelmChart checks its source; the HelmRelease's by default." }),
    ),
    reconcileStrategy: Type.Optional(
      StringEnum(['ChartVersion', 'Revision'] as const, {
        default: 'ChartVersion',
        description: 'Build a new chart artifact on a chart version bump, or on every source revision.',
      }),
    ),
    valuesFiles: Type.Optional(
      Type.Array(Type.String(), {
        description: 'Values files in the source merged in order, replacing the chart values.yaml.',
      }),
    ),
    ignoreMissingValuesFiles: Type.Optional(
      Type.Boolean({ description: 'Skip values files that do not exist instead of failing.' }),
    ),
    verify: Type.Optional(HelmChartTemplateVerification),
  },
  { description: 'Spec of the HelmChart created for this release.' },
);

export const HelmChartTemplate = Type.Object(
  {
    metadata: Type.Optional(
      Type.Object(
        {
          labels: Type.Optional(StringMap({ description: 'Labels of the HelmChart.' })),
          annotations: Type.Optional(StringMap({ description: 'Annotations of the HelmChart.' })),
        },
        { description: 'Metadata of the HelmChart.' },
      ),
    ),
    spec: HelmChartTemplateSpec,
  },
  { description: "Template of the HelmChart the controller creates in the source's namespace." },
);
export type HelmChartTemplate = Static<typeof HelmChartTemplate>;

export const CHART_REF_KINDS = ['OCIRepository', 'HelmChart', 'ExternalArtifact'] as const;

export const HelmChartReference = Type.Object(
  {
    apiVersion: Type.Optional(Type.String({ description: 'API version of the referent.' })),
    kind: StringEnum(CHART_REF_KINDS, { description: 'Kind of the referent.' }),
    name: referentName(),
    namespace: referentNamespace(),
  },
  { description: 'An existing source object whose artifact is the chart.' },
);
export type HelmChartReference = Static<typeof HelmChartReference>;
