import type { KindDefinition } from '../crd.js';
import { ImagePolicyKind } from './imagepolicy.js';
import { ImageRepositoryKind } from './imagerepository.js';
import { ImageUpdateAutomationKind } from './imageupdateautomation.js';

export * from './group.js';
export * from './imagepolicy.js';
export * from './imagerepository.js';
export * from './imageupdateautomation.js';

export const imageKinds: readonly KindDefinition[] = [
  ImageRepositoryKind,
  ImagePolicyKind,
  ImageUpdateAutomationKind,
];
