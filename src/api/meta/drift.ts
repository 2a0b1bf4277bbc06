// Drift-ignore rules shared by Kustomization (`spec.ignore`) and HelmRelease
// (`spec.driftDetection.ignore`).
import { Type, type Static } from '@sinclair/typebox';
import { Selector } from './kustomize.js';

export const DriftIgnoreRule = Type.Object(
  {
    paths: Type.Array(Type.String(), {
      description: 'JSON Pointers (RFC 6901) of the fields to leave out of drift detection and apply.',
    }),
    target: Type.Optional(Selector),
  },
  {
    description: 'Fields to ignore on the objects the target selects; on every object when no target is set.',
  },
);
export type DriftIgnoreRule = Static<typeof DriftIgnoreRule>;
