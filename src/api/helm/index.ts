import type { KindDefinition } from '../crd.js';
import { HelmReleaseKind } from './helmrelease.js';

export * from './group.js';
export * from './helmrelease.js';
export * from './helmrelease-actions.js';
export * from './helmrelease-chart.js';
export * from './helmrelease-spec.js';
export * from './helmrelease-status.js';

export const helmKinds: readonly KindDefinition[] = [HelmReleaseKind];
