// Alert (notification.toolkit.fluxcd.io): which events, from which Flux objects, are sent
// through a Provider. A static object: Flux gives it no status.
import { Type, type Static } from '@sinclair/typebox';
import { AGE_COLUMN, defineKind } from '../crd.js';
import { LocalObjectReference } from '../meta/references.js';
import type { KubeObject } from '../object.js';
import { StringEnum, StringMap } from '../schema.js';
import { NOTIFICATION_CATEGORIES, NOTIFICATION_GROUP } from './group.js';
import { CrossNamespaceObjectReference } from './reference.js';

export const AlertSpec = Type.Object(
  {
    providerRef: Type.Object(LocalObjectReference.properties, {
      description: 'Provider, in the same namespace, the events are sent through.',
    }),
    eventSeverity: Type.Optional(
      StringEnum(['info', 'error'] as const, {
        default: 'info',
        description: '`info` forwards every event, `error` only errors.',
      }),
    ),
    eventSources: Type.Array(CrossNamespaceObjectReference, {
      description: 'Objects whose events are forwarded.',
    }),
    inclusionList: Type.Optional(
      Type.Array(Type.String(), {
        description: 'Go regular expressions; when set, only messages matching one are sent.',
      }),
    ),
    eventMetadata: Type.Optional(
      StringMap({
        description: 'Metadata added to every event; keys the emitter already set are left alone.',
      }),
    ),
    exclusionList: Type.Optional(
      Type.Array(Type.String(), {
        description: 'Go regular expressions; messages matching one are dropped (wins over inclusion).',
      }),
    ),
    summary: Type.Optional(
      Type.String({
        maxLength: 255,
        description: 'Short text on impact and cluster, added as metadata. Deprecated: use eventMetadata.',
      }),
    ),
    suspend: Type.Optional(Type.Boolean({ description: 'Stop forwarding events for this alert.' })),
  },
  { description: 'Desired state of an alert.' },
);
export type AlertSpec = Static<typeof AlertSpec>;

/** Flux's Alert v1beta3 has no status subresource. */
export type AlertStatus = never;

export type Alert = KubeObject<AlertSpec, AlertStatus>;

export const AlertKind = defineKind({
  group: NOTIFICATION_GROUP,
  kind: 'Alert',
  plural: 'alerts',
  singular: 'alert',
  categories: NOTIFICATION_CATEGORIES,
  versions: [
    {
      name: 'v1beta3',
      storage: true,
      description: 'Alert forwards events of selected Flux objects to a Provider.',
      spec: AlertSpec,
      printerColumns: [AGE_COLUMN],
    },
  ],
});
