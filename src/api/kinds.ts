// Every kind Tide serves, in the order CRDs are generated and installed.
import type { KindDefinition } from './crd.js';
import { helmKinds } from './helm/index.js';
import { imageKinds } from './image/index.js';
import { kustomizeKinds } from './kustomize/index.js';
import { notificationKinds } from './notification/index.js';
import { sourceKinds } from './source/index.js';
import { sourceExtensionsKinds } from './sourceextensions/index.js';

export const allKinds: readonly KindDefinition[] = [
  ...sourceKinds,
  ...sourceExtensionsKinds,
  ...kustomizeKinds,
  ...helmKinds,
  ...notificationKinds,
  ...imageKinds,
];
