import type { KindDefinition } from '../crd.js';
import { ArtifactGeneratorKind } from './artifactgenerator.js';

export * from './artifactgenerator.js';
export * from './group.js';

export const sourceExtensionsKinds: readonly KindDefinition[] = [ArtifactGeneratorKind];
