import type { KindDefinition } from '../crd.js';

export const imageKinds: readonly KindDefinition[] = [];
