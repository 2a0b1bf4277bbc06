import type { KindDefinition } from '../crd.js';

export const kustomizeKinds: readonly KindDefinition[] = [];
