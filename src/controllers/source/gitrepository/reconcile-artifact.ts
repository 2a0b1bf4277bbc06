// Step 4: when the resolved revision, the includes or the artifact-shaping fields
// changed (or there is no artifact), check out the commit, verify its signature,
// copy the includes in and archive the tree; otherwise do nothing.
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConditionType, Reason } from '../../../api/meta/conditions.js';
import type { Artifact } from '../../../api/meta/status.js';
import { fetchArtifact } from '../../../artifact/fetch.js';
import { loadIgnoreRules } from '../../../artifact/ignore.js';
import { GitAuthError, VerificationError, type ResolvedRef } from '../../../git/index.js';
import { requeueAfter, type Result } from '../../../runtime/controller/controller.js';
import { parseDuration } from '../../../runtime/manager/duration.js';
import { ReconcileError, StalledError, messageOf } from '../../../runtime/reconcile/errors.js';
import { readSecret } from '../secrets.js';
import type { GitRepositoryDeps, Scratch } from './deps.js';
import { containedPath } from './reconcile-include.js';
import { gitTimeoutMs } from './reconcile-remote.js';
import { artifactOf, objectRef, type GitRepositoryState } from './reconcile-storage.js';

export async function reconcileArtifact(
  state: GitRepositoryState,
  deps: GitRepositoryDeps,
  scratch: Scratch,
): Promise<Result> {
  const spec = state.object.spec;
  const resolved = scratch.resolved;
  if (spec === undefined || resolved === undefined) throw new Error('reconcileArtifact needs a resolved ref');
  const interval = requeueAfter(parseDuration(spec.interval));
  const current = artifactOf(state);
  if (current !== undefined && current.revision === resolved.revision && observedMatch(state, scratch)) {
    ready(state, current);
    return interval;
  }
  if (current !== undefined && current.revision !== resolved.revision) {
    state.conditions.markTrue(
      ConditionType.ArtifactOutdated,
      Reason.NewRevision,
      `new upstream revision '${resolved.revision}'`,
    );
  }
  state.conditions.markReconciling(
    Reason.Progressing,
    `building artifact: new upstream revision '${resolved.revision}'`,
  );
  await state.patchStatus();

  const workDir = await mkdtemp(path.join(os.tmpdir(), 'tide-gitrepository-'));
  scratch.workDir = workDir;
  const checkoutDir = path.join(workDir, 'checkout');
  const commit = await checkout(state, deps, scratch, checkoutDir);
  await verify(state, deps, resolved, checkoutDir, commit);
  await copyIncludes(state, scratch, workDir, checkoutDir);

  let artifact: Artifact;
  try {
    const ignore = await loadIgnoreRules(
      checkoutDir,
      spec.ignore === undefined ? {} : { ignore: spec.ignore },
    );
    artifact = await deps.storage.archiveDirectory(objectRef(state), checkoutDir, {
      filename: `${commit}.tar.gz`,
      revision: resolved.revision,
      ignore,
    });
  } catch (err) {
    const message = `failed to archive the checkout of '${resolved.revision}': ${messageOf(err)}`;
    state.conditions.markTrue(ConditionType.StorageOperationFailed, Reason.ArchiveOperationFailed, message);
    throw new ReconcileError(Reason.ArchiveOperationFailed, message, { cause: err });
  }
  state.conditions.delete(ConditionType.StorageOperationFailed);
  state.status['artifact'] = artifact;
  recordObserved(state, scratch);
  state.conditions.delete(ConditionType.ArtifactOutdated);
  state.events?.normal(state.object, 'NewArtifact', `stored artifact for commit '${commit}'`, {
    revision: artifact.revision,
    ...(artifact.digest === undefined ? {} : { digest: artifact.digest }),
  });
  await deps.storage.garbageCollect(objectRef(state), artifact).catch((err: unknown) => {
    state.log.error('garbage collection failed', { error: err });
  });
  ready(state, artifact);
  return interval;
}

function ready(state: GitRepositoryState, artifact: Artifact): void {
  const message = `stored artifact for revision '${artifact.revision}'`;
  state.conditions.markTrue(ConditionType.ArtifactInStorage, Reason.Succeeded, message);
  state.ready = { reason: Reason.Succeeded, message };
  state.logFields['revision'] = artifact.revision;
}

async function checkout(
  state: GitRepositoryState,
  deps: GitRepositoryDeps,
  scratch: Scratch,
  dir: string,
): Promise<string> {
  const spec = state.object.spec;
  if (spec === undefined || scratch.auth === undefined)
    throw new Error('checkout needs a spec and credentials');
  for (const p of spec.sparseCheckout ?? []) {
    if (containedPath(p) === undefined) {
      throw new StalledError(
        Reason.InvalidPath,
        'spec.sparseCheckout entries must be relative paths inside the repository',
      );
    }
  }
  try {
    const result = await deps.git.checkout({
      url: spec.url,
      auth: scratch.auth,
      proxy: scratch.proxy,
      ref: spec.ref,
      dir,
      ...(spec.sparseCheckout === undefined ? {} : { sparseCheckout: spec.sparseCheckout }),
      recurseSubmodules: spec.recurseSubmodules === true,
      timeoutMs: gitTimeoutMs(state),
      signal: state.signal,
    });
    state.conditions.delete(ConditionType.FetchFailed);
    return result.commit;
  } catch (err) {
    const reason = err instanceof GitAuthError ? Reason.AuthenticationFailed : Reason.GitOperationFailed;
    const message = messageOf(err);
    state.conditions.markTrue(ConditionType.FetchFailed, reason, message);
    throw new ReconcileError(reason, message, { cause: err });
  }
}

async function verify(
  state: GitRepositoryState,
  deps: GitRepositoryDeps,
  resolved: ResolvedRef,
  dir: string,
  commit: string,
): Promise<void> {
  const verification = state.object.spec?.verify;
  if (verification === undefined) {
    state.conditions.delete(ConditionType.SourceVerified);
    delete state.status['sourceVerificationMode'];
    return;
  }
  const mode = verification.mode ?? 'HEAD';
  const namespace = state.object.metadata.namespace ?? '';
  const secret = await readSecret(
    deps.client,
    namespace,
    verification.secretRef.name,
    'verification',
    Reason.VerificationError,
    state.signal,
  );
  const keys = Object.fromEntries(Object.entries(secret).map(([k, v]) => [k, v.toString('utf8')]));
  const isTag =
    resolved.kind === 'tag' ||
    resolved.kind === 'semver' ||
    (resolved.kind === 'name' && (resolved.refName ?? '').startsWith('refs/tags/'));
  const verifyTag = mode === 'Tag' || mode === 'TagAndHEAD';
  const verifyHead = mode === 'HEAD' || mode === 'head' || mode === 'TagAndHEAD';
  if (verifyTag && !isTag) {
    throw new StalledError(
      Reason.VerificationError,
      `spec.verify.mode ${mode} needs a tag, semver or refs/tags/ ref`,
    );
  }
  const signers: string[] = [];
  try {
    if (verifyTag) {
      const tag = (resolved.refName ?? '').replace(/^refs\/tags\//, '');
      signers.push(`tag '${tag}' signed by ${(await deps.git.verifyTag({ dir, tag, keys })).signer}`);
    }
    if (verifyHead) {
      signers.push(
        `commit '${commit}' signed by ${(await deps.git.verifyCommit({ dir, commit, keys })).signer}`,
      );
    }
  } catch (err) {
    const message = `signature verification of '${resolved.revision}' failed: ${messageOf(err)}`;
    state.conditions.markFalse(ConditionType.SourceVerified, Reason.Failed, message);
    throw new ReconcileError(
      err instanceof VerificationError ? Reason.VerificationError : Reason.GitOperationFailed,
      message,
      { cause: err },
    );
  }
  state.conditions.markTrue(
    ConditionType.SourceVerified,
    Reason.Succeeded,
    `verified ${signers.join(' and ')}`,
  );
  state.status['sourceVerificationMode'] = mode;
}

async function copyIncludes(
  state: GitRepositoryState,
  scratch: Scratch,
  workDir: string,
  checkoutDir: string,
): Promise<void> {
  for (const [index, { include, repository, artifact }] of scratch.includes.entries()) {
    const from = containedPath(include.fromPath ?? '') ?? '.';
    const to = containedPath(include.toPath ?? repository.metadata.name) ?? repository.metadata.name;
    if (artifact.digest === undefined) {
      throw new ReconcileError(
        'IncludeUnavailable',
        `included GitRepository '${repository.metadata.name}' has an artifact without digest`,
      );
    }
    const fetched = await fetchArtifact({
      url: artifact.url,
      digest: artifact.digest,
      dest: path.join(workDir, `include-${index}`),
      signal: state.signal,
    }).catch((err: unknown) => {
      const message = `fetching the artifact of included GitRepository '${repository.metadata.name}' failed: ${messageOf(err)}`;
      state.conditions.markTrue(ConditionType.IncludeUnavailable, 'IncludeUnavailable', message);
      throw new ReconcileError('IncludeUnavailable', message, { cause: err });
    });
    const target = path.join(checkoutDir, to);
    await rm(target, { recursive: true, force: true });
    await mkdir(path.dirname(target), { recursive: true });
    await cp(path.join(fetched.dir, from), target, { recursive: true, verbatimSymlinks: true });
  }
}

function observedMatch(state: GitRepositoryState, scratch: Scratch): boolean {
  const spec = state.object.spec;
  const status = state.status;
  const included = (status['includedArtifacts'] as Artifact[] | undefined) ?? [];
  return (
    (status['observedIgnore'] ?? null) === (spec?.ignore ?? null) &&
    (status['observedRecurseSubmodules'] ?? false) === (spec?.recurseSubmodules ?? false) &&
    JSON.stringify(status['observedInclude'] ?? []) === JSON.stringify(spec?.include ?? []) &&
    JSON.stringify(status['observedSparseCheckout'] ?? []) === JSON.stringify(spec?.sparseCheckout ?? []) &&
    (status['sourceVerificationMode'] ?? null) ===
      (spec?.verify === undefined ? null : (spec.verify.mode ?? 'HEAD')) &&
    included.length === scratch.includes.length &&
    included.every((a, i) => a.digest === scratch.includes[i]?.artifact.digest)
  );
}

function recordObserved(state: GitRepositoryState, scratch: Scratch): void {
  const spec = state.object.spec;
  const status = state.status;
  const set = (key: string, value: unknown): void => {
    // Absent rather than null: the status is applied whole, so a missing key removes the field.
    if (value === undefined) Reflect.deleteProperty(status, key);
    else status[key] = value;
  };
  set('observedIgnore', spec?.ignore);
  set('observedRecurseSubmodules', spec?.recurseSubmodules === true ? true : undefined);
  set('observedInclude', spec?.include);
  set('observedSparseCheckout', spec?.sparseCheckout);
  set(
    'includedArtifacts',
    scratch.includes.length === 0 ? undefined : scratch.includes.map((i) => i.artifact),
  );
}
