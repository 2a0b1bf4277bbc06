// What the Kustomization reconciler needs from the outside, and the per-reconcile
// scratch its steps share.
import type { Kustomization } from '../../../api/kustomize/kustomization.js';
import type { Artifact } from '../../../api/meta/status.js';
import type { KubeClient } from '../../../runtime/client/client.js';
import type { DiscoveryCache } from '../../../runtime/client/discovery.js';
import type { EventRecorder } from '../../../runtime/events/recorder.js';
import type { RuntimeMetrics } from '../../../runtime/metrics/metrics.js';
import type { FluxObject, ReconcileState } from '../../../runtime/reconcile/skeleton.js';
import type { Renderer } from '../../../render/renderer.js';
import type { RenderedObject } from '../../../render/kustomization.js';
import type { KubeObject } from '../../../api/object.js';
import type { ApplyMemo } from '../../../apply/index.js';
import type { ArtifactCache, ArtifactLease } from './artifact-cache.js';
import type { SourceObject } from './reconcile-source.js';
import type { Tenancy } from './tenant.js';

export interface KustomizationDeps {
  /** The controller's own client: Kustomizations, sources, Secrets and ConfigMaps of the object's namespace. */
  readonly client: KubeClient;
  readonly discovery: DiscoveryCache;
  readonly renderer: Renderer;
  readonly tenancy: Tenancy;
  readonly events?: EventRecorder | undefined;
  readonly metrics?: RuntimeMetrics | undefined;
  /** Flux: --requeue-dependency. */
  readonly requeueDependencyMs: number;
  /** Flux: --no-cross-namespace-refs. */
  readonly noCrossNamespaceRefs: boolean;
  /** Flux: --no-remote-bases. */
  readonly noRemoteBases: boolean;
  /** Flux: --concurrent-ssa. */
  readonly concurrentSsa: number;
  /** Flux: --custom-apply-stage-kinds. */
  readonly customApplyStageKinds: readonly string[];
  /** Flux: --http-retry. */
  readonly httpRetry: number;
  /** Flux's StrictPostBuildSubstitutions feature gate (default on). */
  readonly strictSubstitutions: boolean;
  /** Controller-wide SOPS age keys (Flux: --sops-age-secret), already read. */
  readonly globalAgeKeys?: readonly string[] | undefined;
  /** Health polling period (tests shorten it). */
  readonly healthPollMs?: number | undefined;
  /** Extracted artifacts shared between Kustomizations. */
  readonly artifacts: ArtifactCache;
  /** What earlier applies left, so unchanged objects cost a dry run only. */
  readonly applyMemo?: ApplyMemo | undefined;
  /** A source from the informer cache (kind, namespace, name); read from the API when absent. */
  readonly cachedSource?:
    ((kind: string, namespace: string, name: string) => SourceObject | undefined) | undefined;
  /** Kustomization by namespace/name from the informer, for dependency checks without a request. */
  readonly cached?: ((namespace: string, name: string) => Kustomization | undefined) | undefined;
}

export type KustomizationObject = Kustomization & FluxObject;
export type KustomizationState = ReconcileState<KustomizationObject>;

export interface ResolvedSource {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly artifact: Artifact & { readonly digest: string };
  readonly originRevision: string | undefined;
}

export interface Scratch {
  source?: ResolvedSource;
  /** The extracted artifact, released when the reconcile ends. */
  artifact?: ArtifactLease;
  objects?: readonly RenderedObject[];
  digest?: string;
  /** The live objects as the apply left them, by inventory id (first health reading). */
  applied?: ReadonlyMap<string, KubeObject>;
  startedAt: number;
}

export function newScratch(): Scratch {
  return { startedAt: performance.now() };
}
