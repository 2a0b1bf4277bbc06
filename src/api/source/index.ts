import type { KindDefinition } from '../crd.js';
import { GitRepositoryKind } from './gitrepository.js';

export * from './gitrepository.js';
export * from './group.js';

export const sourceKinds: readonly KindDefinition[] = [GitRepositoryKind];
