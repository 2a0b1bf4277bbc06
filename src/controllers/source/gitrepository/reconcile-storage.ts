// Step 1: garbage-collect old artifacts and make sure the advertised one still exists
// with its digest; a missing or altered artifact is dropped so it gets rebuilt.
import { ConditionType, Reason } from '../../../api/meta/conditions.js';
import type { Artifact } from '../../../api/meta/status.js';
import type { GitRepository } from '../../../api/source/gitrepository.js';
import { done, type Result } from '../../../runtime/controller/controller.js';
import type { FluxObject, ReconcileState } from '../../../runtime/reconcile/skeleton.js';
import type { GitRepositoryDeps } from './deps.js';

export type GitRepositoryState = ReconcileState<GitRepository & FluxObject>;

export function artifactOf(state: GitRepositoryState): Artifact | undefined {
  return state.status['artifact'] as Artifact | undefined;
}

export async function reconcileStorage(state: GitRepositoryState, deps: GitRepositoryDeps): Promise<Result> {
  const ref = objectRef(state);
  const artifact = artifactOf(state);
  if (artifact !== undefined) {
    await deps.storage.garbageCollect(ref, artifact).catch((err: unknown) => {
      state.log.error('garbage collection failed', { error: err });
    });
    if (!(await deps.storage.verify(artifact))) {
      delete state.status['artifact'];
      state.conditions.delete(ConditionType.ArtifactInStorage);
      state.conditions.markReconciling(Reason.Progressing, 'building artifact: disappeared from storage');
      state.events?.warning(
        state.object,
        'ArtifactVerificationFailed',
        `artifact ${artifact.path} is missing or does not match its digest; rebuilding`,
      );
      return done;
    }
    state.conditions.markTrue(
      ConditionType.ArtifactInStorage,
      Reason.Succeeded,
      `stored artifact for revision '${artifact.revision}'`,
    );
  } else {
    state.conditions.delete(ConditionType.ArtifactInStorage);
  }
  return done;
}

export function objectRef(state: GitRepositoryState): { kind: string; namespace: string; name: string } {
  return {
    kind: 'GitRepository',
    namespace: state.object.metadata.namespace ?? '',
    name: state.object.metadata.name,
  };
}
