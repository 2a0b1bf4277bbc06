import type { KindDefinition } from '../crd.js';
import { BucketKind } from './bucket.js';
import { ExternalArtifactKind } from './externalartifact.js';
import { GitRepositoryKind } from './gitrepository.js';
import { HelmChartKind } from './helmchart.js';
import { HelmRepositoryKind } from './helmrepository.js';
import { OCIRepositoryKind } from './ocirepository.js';

export * from './bucket.js';
export * from './externalartifact.js';
export * from './gitrepository.js';
export * from './group.js';
export * from './helmchart.js';
export * from './helmrepository.js';
export * from './ocirepository.js';
export * from './verification.js';

export const sourceKinds: readonly KindDefinition[] = [
  GitRepositoryKind,
  HelmRepositoryKind,
  HelmChartKind,
  BucketKind,
  OCIRepositoryKind,
  ExternalArtifactKind,
];
