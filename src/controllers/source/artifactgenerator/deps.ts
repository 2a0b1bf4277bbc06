// What the ArtifactGenerator reconciler needs from the outside, and the per-reconcile
// scratch its steps share.
import type { Artifact } from '../../../api/meta/status.js';
import type {
  ArtifactGenerator,
  ArtifactSourceReference,
} from '../../../api/sourceextensions/artifactgenerator.js';
import type { ArtifactStorage } from '../../../artifact/storage.js';
import type { KubeClient } from '../../../runtime/client/client.js';
import type { EventRecorder } from '../../../runtime/events/recorder.js';
import type { RuntimeMetrics } from '../../../runtime/metrics/metrics.js';
import type { FluxObject, ReconcileState } from '../../../runtime/reconcile/skeleton.js';
import type { ArtifactPlan } from './spec.js';

export interface ArtifactGeneratorDeps {
  readonly client: KubeClient;
  readonly storage: ArtifactStorage;
  readonly events?: EventRecorder | undefined;
  readonly metrics?: RuntimeMetrics | undefined;
  /** Wait before re-checking a source that is missing or not ready (Flux: --requeue-dependency). */
  readonly requeueDependencyMs: number;
  /** Flux: --no-cross-namespace-refs. */
  readonly noCrossNamespaceRefs: boolean;
  /** The informer's copy of a generator, to honour the disable annotation without a request. */
  readonly cached?: ((namespace: string, name: string) => ArtifactGenerator | undefined) | undefined;
  /** Download retries per source artifact (the digest is checked on every attempt). */
  readonly fetchRetries?: number;
}

export type GeneratorObject = ArtifactGenerator & FluxObject;
export type GeneratorState = ReconcileState<GeneratorObject>;

/** A source as seen at the start of this reconcile. */
export interface ObservedSource {
  readonly ref: ArtifactSourceReference;
  readonly namespace: string;
  readonly artifact: Artifact & { readonly digest: string };
  /** The source artifact's own origin revision, else its revision. */
  readonly originRevision: string;
}

export interface BuiltArtifact {
  readonly plan: ArtifactPlan;
  readonly artifact: Artifact;
}

export interface Scratch {
  plans: ArtifactPlan[];
  /** By alias. */
  sources: Map<string, ObservedSource>;
  sourcesDigest: string;
  /** Nothing changed since the last build: later steps do nothing. */
  upToDate: boolean;
  /** Random temp dir of this reconcile; removed when it ends. */
  workDir?: string;
  built: BuiltArtifact[];
}

export function newScratch(): Scratch {
  return { plans: [], sources: new Map(), sourcesDigest: '', upToDate: false, built: [] };
}
