// What the GitRepository reconciler needs from the outside, passed in.
import type { Static } from '@sinclair/typebox';
import type { GitRepository, GitRepositoryInclude } from '../../../api/source/gitrepository.js';
import type { Artifact } from '../../../api/meta/status.js';
import type { ArtifactStorage } from '../../../artifact/storage.js';
import type { KubeClient } from '../../../runtime/client/client.js';
import type { EventRecorder } from '../../../runtime/events/recorder.js';
import type { RuntimeMetrics } from '../../../runtime/metrics/metrics.js';
import type * as git from '../../../git/index.js';

/** The git operations the reconciler uses (the real ones come from src/git). */
export interface GitOperations {
  listRemoteRefs: typeof git.listRemoteRefs;
  resolveRef: typeof git.resolveRef;
  checkout: typeof git.checkout;
  verifyCommit: typeof git.verifyCommit;
  verifyTag: typeof git.verifyTag;
}

export interface GitRepositoryDeps {
  readonly client: KubeClient;
  readonly storage: ArtifactStorage;
  readonly git: GitOperations;
  readonly events?: EventRecorder | undefined;
  readonly metrics?: RuntimeMetrics | undefined;
  /** Wait before re-checking an include that has no artifact yet (Flux: --requeue-dependency). */
  readonly requeueDependencyMs: number;
}

export interface IncludedSource {
  readonly include: Static<typeof GitRepositoryInclude>;
  readonly repository: GitRepository;
  readonly artifact: Artifact;
}

/** Per-reconcile scratch shared by the steps. */
export interface Scratch {
  auth?: git.GitAuth;
  proxy?: git.ProxyConfig | undefined;
  resolved?: git.ResolvedRef;
  includes: IncludedSource[];
  /** Random temp dir of this reconcile; removed when it ends. */
  workDir?: string;
}
