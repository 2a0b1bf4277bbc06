// Kustomization (kustomize.toolkit.fluxcd.io): builds a source artifact with kustomize and
// applies the result with server-side apply. v1 is the only version Flux 2.9 serves.
import { AGE_COLUMN, READY_COLUMNS, defineKind } from '../crd.js';
import type { KubeObject } from '../object.js';
import { KUSTOMIZE_CATEGORIES, KUSTOMIZE_GROUP } from './group.js';
import { KustomizationSpec } from './kustomization-spec.js';
import { KustomizationStatus } from './kustomization-status.js';

export type Kustomization = KubeObject<KustomizationSpec, KustomizationStatus>;

export const KustomizationKind = defineKind({
  group: KUSTOMIZE_GROUP,
  kind: 'Kustomization',
  plural: 'kustomizations',
  singular: 'kustomization',
  shortNames: ['ks'],
  categories: KUSTOMIZE_CATEGORIES,
  versions: [
    {
      name: 'v1',
      storage: true,
      description: 'Kustomization applies the kustomize build of a source artifact to a cluster.',
      spec: KustomizationSpec,
      status: KustomizationStatus,
      printerColumns: [AGE_COLUMN, ...READY_COLUMNS],
    },
  ],
});
