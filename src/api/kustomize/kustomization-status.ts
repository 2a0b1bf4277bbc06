// Kustomization status: what was last applied, the applied-object inventory and history.
import { Type, type Static } from '@sinclair/typebox';
import { ReconcileHistory } from '../meta/history.js';
import { ResourceInventory } from '../meta/inventory.js';
import { commonStatusFields, reconcileRequestStatusFields } from '../meta/status.js';

export const KustomizationStatus = Type.Object(
  {
    ...commonStatusFields,
    ...reconcileRequestStatusFields,
    lastAppliedRevision: Type.Optional(
      Type.String({ description: 'Source revision of the last successful apply.' }),
    ),
    lastAppliedOriginRevision: Type.Optional(
      Type.String({
        description: 'Origin revision (e.g. OCI source revision) of the last successful apply.',
      }),
    ),
    lastAttemptedRevision: Type.Optional(
      Type.String({ description: 'Source revision of the last reconciliation attempt.' }),
    ),
    inventory: Type.Optional(ResourceInventory),
    history: Type.Optional(ReconcileHistory),
  },
  { description: 'Observed state of a Kustomization.' },
);
export type KustomizationStatus = Static<typeof KustomizationStatus>;
