// HelmChart source.toolkit.fluxcd.io/v1beta2: served (deprecated) so manifests written for
// it still apply, stored as v1 (no conversion webhook). This schema holds fields v1 has with
// the same meaning (and v1's CEL rule), plus two fields v1 removed:
// - `accessFrom`, which Flux never implemented: deprecated, ignored, pruned on storage;
// - `valuesFile`, which was NOT a no-op (merged before valuesFiles). Dropping it silently
//   would render the chart without those values, so only an empty value (which Flux
//   ignored too) is accepted; anything else is rejected with a pointer to valuesFiles.
// Self-contained on purpose: importing helmchart.ts here would be an import cycle.
import { Type, type Static } from '@sinclair/typebox';
import { AccessFrom } from '../meta/references.js';
import { Artifact, commonStatusFields, reconcileRequestStatusFields } from '../meta/status.js';
import { Duration, StringEnum, celRules } from '../schema.js';
import { OCIVerificationV1beta2 } from './ocirepository-v1beta2.js';

const HelmChartSourceReferenceV1beta2 = Type.Object(
  {
    apiVersion: Type.Optional(Type.String({ description: 'API version of the source.' })),
    kind: StringEnum(['HelmRepository', 'GitRepository', 'Bucket'] as const, {
      description: 'Kind of the source holding the chart.',
    }),
    name: Type.String({ description: 'Name of the source, in the HelmChart namespace.' }),
  },
  { description: 'The source the chart is taken from.' },
);

export const HelmChartSpecV1beta2 = Type.Object(
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
    sourceRef: HelmChartSourceReferenceV1beta2,
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
    valuesFile: Type.Optional(
      Type.String({
        description:
          'Single values file merged before valuesFiles; deprecated. v1 has no such field, so only an ' +
          'empty value (ignored) is accepted: put the file first in valuesFiles instead.',
      }),
    ),
    ignoreMissingValuesFiles: Type.Optional(
      Type.Boolean({ description: 'Skip values files that do not exist instead of failing.' }),
    ),
    suspend: Type.Optional(Type.Boolean({ description: 'Stop reconciling this object.' })),
    accessFrom: Type.Optional({
      ...AccessFrom,
      description:
        'Cross-namespace access list; deprecated, ignored (never implemented). Not stored: v1 has no such field.',
    }),
    verify: Type.Optional(OCIVerificationV1beta2),
  },
  {
    description: 'Desired state of a Helm chart source (v1beta2).',
    ...celRules(
      {
        rule: "!has(self.verify) || self.sourceRef.kind == 'HelmRepository'",
        message: "spec.verify is only supported when spec.sourceRef.kind is 'HelmRepository'",
      },
      {
        rule: "!has(self.valuesFile) || self.valuesFile == ''",
        message: 'spec.valuesFile is not supported since v1: list the file first in spec.valuesFiles',
        fieldPath: '.valuesFile',
      },
    ),
  },
);
export type HelmChartSpecV1beta2 = Static<typeof HelmChartSpecV1beta2>;

export const HelmChartStatusV1beta2 = Type.Object(
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
  { description: 'Observed state of a Helm chart source (v1beta2).' },
);
export type HelmChartStatusV1beta2 = Static<typeof HelmChartStatusV1beta2>;
