// Step 3: find the artifacts of included GitRepositories (same namespace). Nothing is
// downloaded here; the artifact step fetches them only when a rebuild is needed.
import path from 'node:path';
import { ConditionType, Reason } from '../../../api/meta/conditions.js';
import type { GitRepository } from '../../../api/source/gitrepository.js';
import { GitRepositoryKind } from '../../../api/source/gitrepository.js';
import { isNotFound } from '../../../runtime/client/errors.js';
import { resourceFor } from '../../../runtime/client/resource.js';
import { done, type Result } from '../../../runtime/controller/controller.js';
import { StalledError, WaitError } from '../../../runtime/reconcile/errors.js';
import type { GitRepositoryDeps, Scratch } from './deps.js';
import type { GitRepositoryState } from './reconcile-storage.js';

export const GitRepositories = resourceFor(GitRepositoryKind);

/** A relative path that stays inside its root once normalized, or undefined. */
export function containedPath(value: string): string | undefined {
  if (value.includes('\0') || path.posix.isAbsolute(value) || value.includes('\\')) return undefined;
  const normalized = path.posix.normalize(value === '' ? '.' : value);
  if (normalized === '..' || normalized.startsWith('../')) return undefined;
  return normalized;
}

export async function reconcileInclude(
  state: GitRepositoryState,
  deps: GitRepositoryDeps,
  scratch: Scratch,
): Promise<Result> {
  const namespace = state.object.metadata.namespace ?? '';
  scratch.includes = [];
  for (const include of state.object.spec?.include ?? []) {
    const name = include.repository.name;
    for (const [field, value] of [
      ['fromPath', include.fromPath],
      ['toPath', include.toPath],
    ] as const) {
      if (value !== undefined && containedPath(value) === undefined) {
        throw new StalledError(
          Reason.InvalidPath,
          `include '${name}': spec.include.${field} must be a relative path inside the artifact`,
        );
      }
    }
    let repository: GitRepository;
    try {
      repository = await deps.client.get<GitRepository>(GitRepositories, name, namespace, state.signal);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return unavailable(state, deps, `included GitRepository '${namespace}/${name}' not found`);
    }
    const artifact = repository.status?.artifact;
    if (artifact === undefined) {
      return unavailable(state, deps, `included GitRepository '${namespace}/${name}' has no artifact yet`);
    }
    scratch.includes.push({ include, repository, artifact });
  }
  state.conditions.delete(ConditionType.IncludeUnavailable);
  return done;
}

function unavailable(state: GitRepositoryState, deps: GitRepositoryDeps, message: string): never {
  state.conditions.markTrue(ConditionType.IncludeUnavailable, 'IncludeUnavailable', message);
  throw new WaitError('IncludeUnavailable', message, deps.requeueDependencyMs);
}
