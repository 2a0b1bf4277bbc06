// What each controller component is made of: the kinds whose CRDs it brings, how
// `tide controller` runs it, and the resources Flux gives its counterpart.
import type { KindDefinition } from '../api/crd.js';
import { kustomizeKinds } from '../api/kustomize/index.js';
import { sourceKinds } from '../api/source/index.js';
import { sourceExtensionsKinds } from '../api/sourceextensions/index.js';
import type { Component } from './options.js';

export interface ComponentSpec {
  readonly name: Component;
  /** The value of `tide controller --controllers=`. */
  readonly controller: 'source' | 'kustomize';
  /** Kinds whose CRDs the component installs (Tide's source controller also runs ArtifactGenerator). */
  readonly kinds: readonly KindDefinition[];
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
  /** In-flight reconciles get this long on shutdown (Flux: 10s source, 60s kustomize). */
  readonly terminationGracePeriodSeconds: number;
  /** The source controller stores and serves artifacts (volume /data, port 9090, a Service). */
  readonly servesArtifacts: boolean;
}

export const COMPONENT_SPECS: Readonly<Record<Component, ComponentSpec>> = {
  'source-controller': {
    name: 'source-controller',
    controller: 'source',
    kinds: [...sourceKinds, ...sourceExtensionsKinds],
    requests: { cpu: '50m', memory: '64Mi' },
    limits: { cpu: '1000m', memory: '1Gi' },
    terminationGracePeriodSeconds: 10,
    servesArtifacts: true,
  },
  'kustomize-controller': {
    name: 'kustomize-controller',
    controller: 'kustomize',
    kinds: kustomizeKinds,
    requests: { cpu: '100m', memory: '64Mi' },
    limits: { cpu: '1000m', memory: '1Gi' },
    terminationGracePeriodSeconds: 60,
    servesArtifacts: false,
  },
};

/** The CRD names (`plural.group`) the given components install, in install order. */
export function crdNamesOf(components: readonly Component[]): string[] {
  return components.flatMap((c) => COMPONENT_SPECS[c].kinds.map((k) => `${k.plural}.${k.group}`));
}
