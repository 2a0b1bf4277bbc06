// GitRepositoryReconciler: the skeleton plus four steps (storage, remote, include,
// artifact). A poll whose remote revision and inputs are unchanged ends after one
// ls-remote: no clone, no new artifact.
import { rm } from 'node:fs/promises';
import type { GitRepository } from '../../../api/source/gitrepository.js';
import type {
  ReconcileContext,
  Reconciler,
  Request,
  Result,
} from '../../../runtime/controller/controller.js';
import { reconcileObject, type FluxObject } from '../../../runtime/reconcile/skeleton.js';
import type { GitRepositoryDeps, Scratch } from './deps.js';
import { reconcileArtifact } from './reconcile-artifact.js';
import { GitRepositories, reconcileInclude } from './reconcile-include.js';
import { reconcileRemote } from './reconcile-remote.js';
import { objectRef, reconcileStorage } from './reconcile-storage.js';

export const GIT_REPOSITORY_FIELD_MANAGER = 'source-controller';

export class GitRepositoryReconciler implements Reconciler {
  readonly #deps: GitRepositoryDeps;

  constructor(deps: GitRepositoryDeps) {
    this.#deps = deps;
  }

  async reconcile(request: Request, ctx: ReconcileContext): Promise<Result> {
    const deps = this.#deps;
    const scratch: Scratch = { includes: [] };
    try {
      return await reconcileObject<GitRepository & FluxObject>(
        {
          client: deps.client,
          resource: GitRepositories,
          fieldManager: GIT_REPOSITORY_FIELD_MANAGER,
          metrics: deps.metrics,
          events: deps.events,
          steps: [
            (s) => reconcileStorage(s, deps),
            (s) => reconcileRemote(s, deps, scratch),
            (s) => reconcileInclude(s, deps, scratch),
            (s) => reconcileArtifact(s, deps, scratch),
          ],
          finalize: async (object) => {
            await deps.storage.remove({
              kind: 'GitRepository',
              namespace: object.metadata.namespace ?? '',
              name: object.metadata.name,
            });
          },
        },
        request,
        ctx,
      );
    } finally {
      if (scratch.workDir !== undefined) await rm(scratch.workDir, { recursive: true, force: true });
    }
  }
}

export { objectRef };
