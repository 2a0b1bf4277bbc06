// Step 2: credentials, then ask the remote which commit the ref points at (ls-remote).
// This is cheap and clones nothing, so an unchanged remote costs one round trip.
import { ConditionType, Reason } from '../../../api/meta/conditions.js';
import {
  GitAuthError,
  GitError,
  GitInvalidInputError,
  authFromSecret,
  proxyFromSecret,
  type GitAuth,
} from '../../../git/index.js';
import { sanitizeText } from '../../../runtime/log/sanitize.js';
import { done, type Result } from '../../../runtime/controller/controller.js';
import { ReconcileError, StalledError, messageOf } from '../../../runtime/reconcile/errors.js';
import { parseDuration } from '../../../runtime/manager/duration.js';
import { readSecret } from '../secrets.js';
import type { GitRepositoryDeps, Scratch } from './deps.js';
import type { GitRepositoryState } from './reconcile-storage.js';

export function gitTimeoutMs(state: GitRepositoryState): number {
  return parseDuration(state.object.spec?.timeout ?? '60s');
}

export async function reconcileRemote(
  state: GitRepositoryState,
  deps: GitRepositoryDeps,
  scratch: Scratch,
): Promise<Result> {
  const spec = state.object.spec;
  if (spec === undefined) throw new StalledError(Reason.InvalidURL, 'spec is missing');
  const namespace = state.object.metadata.namespace ?? '';
  try {
    scratch.auth = await authFor(state, deps, namespace);
    if (spec.proxySecretRef !== undefined) {
      const proxy = await readSecret(
        deps.client,
        namespace,
        spec.proxySecretRef.name,
        'proxy',
        Reason.AuthenticationFailed,
        state.signal,
      );
      try {
        scratch.proxy = proxyFromSecret(proxy);
      } catch (err) {
        throw new ReconcileError(
          Reason.AuthenticationFailed,
          `proxy Secret '${namespace}/${spec.proxySecretRef.name}': ${messageOf(err)}`,
        );
      }
    }
    const refs = await deps.git.listRemoteRefs({
      url: spec.url,
      auth: scratch.auth,
      proxy: scratch.proxy,
      timeoutMs: gitTimeoutMs(state),
      signal: state.signal,
    });
    scratch.resolved = deps.git.resolveRef(refs, spec.ref);
    state.conditions.delete(ConditionType.FetchFailed);
  } catch (err) {
    if (err instanceof GitInvalidInputError) {
      // A spec mistake (bad semver range, ref name, URL): retrying cannot help.
      state.conditions.markTrue(ConditionType.FetchFailed, Reason.GitOperationFailed, messageOf(err));
      throw new StalledError(Reason.GitOperationFailed, messageOf(err), { cause: err });
    }
    const reason =
      err instanceof GitAuthError ||
      (err instanceof ReconcileError && err.reason === Reason.AuthenticationFailed)
        ? Reason.AuthenticationFailed
        : Reason.GitOperationFailed;
    // Git errors already name the operation and the URL (without credentials).
    const message =
      err instanceof GitError || err instanceof ReconcileError
        ? messageOf(err)
        : `failed to resolve the ref of ${sanitizeText(spec.url)}: ${messageOf(err)}`;
    state.conditions.markTrue(ConditionType.FetchFailed, reason, message);
    throw new ReconcileError(reason, message, { cause: err });
  }
  return done;
}

async function authFor(
  state: GitRepositoryState,
  deps: GitRepositoryDeps,
  namespace: string,
): Promise<GitAuth> {
  const spec = state.object.spec;
  if (spec?.secretRef === undefined) return { kind: 'none' };
  const data = await readSecret(
    deps.client,
    namespace,
    spec.secretRef.name,
    'auth',
    Reason.AuthenticationFailed,
    state.signal,
  );
  try {
    return authFromSecret(spec.url, data);
  } catch (err) {
    throw new ReconcileError(
      Reason.AuthenticationFailed,
      `auth Secret '${namespace}/${spec.secretRef.name}': ${messageOf(err)}`,
    );
  }
}
