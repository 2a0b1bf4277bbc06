import type { KindDefinition } from '../crd.js';
import { KustomizationKind } from './kustomization.js';

export * from './group.js';
export * from './kustomization.js';
export * from './kustomization-spec.js';
export * from './kustomization-status.js';

export const kustomizeKinds: readonly KindDefinition[] = [KustomizationKind];
