import type { KindDefinition } from '../crd.js';

export const notificationKinds: readonly KindDefinition[] = [];
