// Steps 3 and 4: fetch each referenced source artifact once (digest verified before
// extraction) into this reconcile's temp dir, build every artifact's tree from its copy
// operations, and archive it into storage under ExternalArtifact/<namespace>/<name>.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Reason } from '../../../api/meta/conditions.js';
import type { Artifact } from '../../../api/meta/status.js';
import { fetchArtifact } from '../../../artifact/fetch.js';
import { done, type Result } from '../../../runtime/controller/controller.js';
import { ReconcileError, WaitError, messageOf } from '../../../runtime/reconcile/errors.js';
import { contentHash } from './content-hash.js';
import { BuildError, buildTree } from './copy.js';
import type { ArtifactGeneratorDeps, GeneratorState, ObservedSource, Scratch } from './deps.js';
import { storageRef } from './external-artifacts.js';
import { GeneratorReason, ORIGIN_REVISION_KEY } from './names.js';
import type { ArtifactPlan } from './spec.js';

export async function reconcileBuild(
  state: GeneratorState,
  deps: ArtifactGeneratorDeps,
  scratch: Scratch,
): Promise<Result> {
  if (scratch.upToDate) return done;
  state.conditions.markReconciling(Reason.Progressing, 'building artifacts: sources or spec changed');
  await state.patchStatus();

  const workDir = await mkdtemp(path.join(os.tmpdir(), 'tide-artifactgenerator-'));
  scratch.workDir = workDir;
  const localSources = await fetchSources(state, deps, scratch, workDir);
  const namespace = state.object.metadata.namespace ?? '';
  scratch.built = [];
  for (const plan of scratch.plans) {
    const staging = path.join(workDir, 'artifacts', plan.name);
    try {
      await buildTree(plan, staging, {
        sources: localSources,
        scratchDir: await ensureDir(path.join(workDir, 'scratch')),
        signal: state.signal,
      });
    } catch (err) {
      if (!(err instanceof BuildError)) throw err;
      throw new ReconcileError(GeneratorReason.BuildFailed, `${plan.name} build failed: ${err.message}`, {
        cause: err,
      });
    }
    const artifact = await archive(deps, namespace, plan, staging, scratch.sources);
    scratch.built.push({ plan, artifact });
  }
  return done;
}

async function fetchSources(
  state: GeneratorState,
  deps: ArtifactGeneratorDeps,
  scratch: Scratch,
  workDir: string,
): Promise<Map<string, string>> {
  const needed = new Set(scratch.plans.flatMap((p) => p.copies.map((c) => c.alias)));
  const dirs = new Map<string, string>();
  for (const alias of [...needed].sort()) {
    const source = scratch.sources.get(alias);
    if (source === undefined) continue;
    const dest = path.join(workDir, 'sources', alias);
    try {
      await fetchArtifact({
        url: source.artifact.url,
        digest: source.artifact.digest,
        dest,
        tmpDir: workDir,
        retries: deps.fetchRetries ?? 2,
        retryWaitMinMs: 500,
        retryWaitMaxMs: 5_000,
        signal: state.signal,
      });
    } catch (err) {
      if (state.signal.aborted) throw err;
      const message = `fetch sources failed: ${source.ref.kind} '${source.namespace}/${source.ref.name}': ${messageOf(err)}`;
      throw new WaitError(GeneratorReason.SourceFetchFailed, message, deps.requeueDependencyMs, {
        cause: err,
      });
    }
    dirs.set(alias, dest);
  }
  return dirs;
}

async function archive(
  deps: ArtifactGeneratorDeps,
  namespace: string,
  plan: ArtifactPlan,
  staging: string,
  sources: ReadonlyMap<string, ObservedSource>,
): Promise<Artifact> {
  const revisionSource = plan.revisionAlias === undefined ? undefined : sources.get(plan.revisionAlias);
  const originSource =
    plan.originRevisionAlias === undefined ? undefined : sources.get(plan.originRevisionAlias);
  const metadata =
    originSource === undefined ? undefined : { [ORIGIN_REVISION_KEY]: originSource.originRevision };
  try {
    const artifact = await deps.storage.archiveDirectory(
      storageRef({ namespace, name: plan.name }),
      staging,
      {
        filename: `${await contentHash(staging)}.tar.gz`,
        revision: revisionSource?.artifact.revision ?? 'latest',
        ...(metadata === undefined ? {} : { metadata }),
      },
    );
    // Without `revision: @alias`, the revision names the content: latest@<digest>.
    return revisionSource === undefined
      ? { ...artifact, revision: `latest@${artifact.digest ?? ''}` }
      : artifact;
  } catch (err) {
    const message = `${plan.name} archive failed: ${messageOf(err)}`;
    throw new ReconcileError(Reason.ArchiveOperationFailed, message, { cause: err });
  }
}

async function ensureDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o750 });
  return dir;
}

export async function removeWorkDir(scratch: Scratch): Promise<void> {
  if (scratch.workDir !== undefined) await rm(scratch.workDir, { recursive: true, force: true });
}
