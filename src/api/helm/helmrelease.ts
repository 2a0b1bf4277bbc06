// HelmRelease (helm.toolkit.fluxcd.io): a Helm release the controller installs, upgrades,
// tests and remediates. v2 is the only version Flux 2.9 serves.
import { AGE_COLUMN, READY_COLUMNS, defineKind } from '../crd.js';
import type { KubeObject } from '../object.js';
import { HELM_CATEGORIES, HELM_GROUP } from './group.js';
import { HelmReleaseSpec } from './helmrelease-spec.js';
import { HelmReleaseStatus } from './helmrelease-status.js';

export type HelmRelease = KubeObject<HelmReleaseSpec, HelmReleaseStatus>;

export const HelmReleaseKind = defineKind({
  group: HELM_GROUP,
  kind: 'HelmRelease',
  plural: 'helmreleases',
  singular: 'helmrelease',
  shortNames: ['hr'],
  categories: HELM_CATEGORIES,
  versions: [
    {
      name: 'v2',
      storage: true,
      description: 'HelmRelease installs a Helm chart and keeps the release in the desired state.',
      spec: HelmReleaseSpec,
      status: HelmReleaseStatus,
      printerColumns: [AGE_COLUMN, ...READY_COLUMNS],
    },
  ],
});
