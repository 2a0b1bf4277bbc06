// Reconciliation history kept in status (Flux's meta.History): one snapshot per distinct
// (digest, result), newest first.
import { Type, type Static } from '@sinclair/typebox';
import { Int64, StringMap, Timestamp } from '../schema.js';

export const ReconcileSnapshot = Type.Object(
  {
    digest: Type.String({ description: '`<algorithm>:<hex>` checksum of the reconciled manifests.' }),
    firstReconciled: Timestamp({ description: 'When these manifests were first reconciled.' }),
    lastReconciled: Timestamp({ description: 'When these manifests were last reconciled.' }),
    lastReconciledDuration: Type.String({
      description: 'How long the last reconciliation took (Go duration).',
    }),
    lastReconciledStatus: Type.String({ description: 'Reason of the last reconciliation outcome.' }),
    totalReconciliations: Int64({ description: 'How many reconciliations produced this snapshot.' }),
    metadata: Type.Optional(
      StringMap({ description: 'Extra facts about the snapshot, e.g. the source revision.' }),
    ),
  },
  { description: 'The outcome of reconciling one set of manifests.' },
);
export type ReconcileSnapshot = Static<typeof ReconcileSnapshot>;

export const ReconcileHistory = Type.Array(ReconcileSnapshot, {
  description: 'Recent reconciliation snapshots, newest first.',
});
export type ReconcileHistory = Static<typeof ReconcileHistory>;
