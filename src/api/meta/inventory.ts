// The inventory of objects a Kustomization or HelmRelease applied (Flux's ResourceInventory).
import { Type, type Static } from '@sinclair/typebox';

export const ResourceRef = Type.Object(
  {
    id: Type.String({
      description:
        'Object identity as `<namespace>_<name>_<group>_<kind>`; empty namespace and group allowed.',
    }),
    v: Type.String({ description: 'API version the object was applied with.' }),
  },
  { description: 'One applied object.' },
);
export type ResourceRef = Static<typeof ResourceRef>;

export const ResourceInventory = Type.Object(
  {
    entries: Type.Array(ResourceRef, { description: 'Applied objects, in apply order.' }),
  },
  { description: 'The objects applied by the last successful reconciliation.' },
);
export type ResourceInventory = Static<typeof ResourceInventory>;
