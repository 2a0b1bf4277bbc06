import type { KindDefinition } from '../crd.js';

export const helmKinds: readonly KindDefinition[] = [];
