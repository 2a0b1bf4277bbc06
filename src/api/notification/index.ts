import type { KindDefinition } from '../crd.js';
import { AlertKind } from './alert.js';
import { ProviderKind } from './provider.js';
import { ReceiverKind } from './receiver.js';

export * from './alert.js';
export * from './group.js';
export * from './provider.js';
export * from './receiver.js';
export * from './reference.js';

export const notificationKinds: readonly KindDefinition[] = [ReceiverKind, ProviderKind, AlertKind];
