import type { KindDefinition } from '../crd.js';

export const sourceExtensionsKinds: readonly KindDefinition[] = [];
