// Steps 5 and 6: publish each built artifact as an ExternalArtifact, record the
// inventory, and delete the ExternalArtifacts (and their storage) that left the spec.
import { Reason } from '../../../api/meta/conditions.js';
import type { Artifact } from '../../../api/meta/status.js';
import type { GeneratedArtifactReference } from '../../../api/sourceextensions/artifactgenerator.js';
import { done, type Result } from '../../../runtime/controller/controller.js';
import { ReconcileError, messageOf } from '../../../runtime/reconcile/errors.js';
import type { ArtifactGeneratorDeps, BuiltArtifact, GeneratorState, Scratch } from './deps.js';
import {
  applyExternalArtifact,
  controlledByOther,
  deleteExternalArtifact,
  getExternalArtifact,
  storageRef,
} from './external-artifacts.js';

export async function reconcilePublish(
  state: GeneratorState,
  deps: ArtifactGeneratorDeps,
  scratch: Scratch,
): Promise<Result> {
  if (scratch.upToDate) return done;
  const namespace = state.object.metadata.namespace ?? '';
  const previous = (state.status['inventory'] as GeneratedArtifactReference[] | undefined) ?? [];
  const inventory: GeneratedArtifactReference[] = [];
  for (const built of scratch.built) {
    const artifact = await publish(state, deps, built);
    inventory.push({
      name: built.plan.name,
      namespace,
      digest: artifact.digest ?? '',
      filename: artifact.path.slice(artifact.path.lastIndexOf('/') + 1),
    });
  }
  // Recorded before pruning, so a failed prune is retried from an inventory that is true.
  state.status['inventory'] = inventory;
  const kept = new Set(inventory.map((e) => `${e.namespace}/${e.name}`));
  const orphans = previous.filter((e) => !kept.has(`${e.namespace}/${e.name}`));
  for (const orphan of orphans) {
    const deleted = await deleteExternalArtifact(
      deps.client,
      deps.storage,
      state.object,
      orphan,
      state.signal,
    );
    if (deleted) state.log.info('deleted ExternalArtifact no longer in spec', { artifact: orphan.name });
  }
  state.status['observedSourcesDigest'] = scratch.sourcesDigest;
  state.ready = {
    reason: Reason.Succeeded,
    message: `reconciliation succeeded, generated ${inventory.length} artifact(s)`,
  };
  state.logFields['artifacts'] = inventory.length;
  return done;
}

async function publish(
  state: GeneratorState,
  deps: ArtifactGeneratorDeps,
  built: BuiltArtifact,
): Promise<Artifact> {
  const namespace = state.object.metadata.namespace ?? '';
  const ref = { namespace, name: built.plan.name };
  const existing = await getExternalArtifact(deps.client, ref, state.signal);
  if (existing !== undefined && controlledByOther(existing, state.object)) {
    throw new ReconcileError(
      Reason.ReconciliationFailed,
      `${built.plan.name} reconcile failed: ExternalArtifact '${namespace}/${built.plan.name}' is controlled by another object`,
    );
  }
  const current = existing?.status?.artifact;
  // The same file with the same revisions: keep the published artifact (and its time).
  const artifact = current !== undefined && sameArtifact(current, built.artifact) ? current : built.artifact;
  try {
    await applyExternalArtifact(deps.client, state.object, built.plan.name, artifact, existing, state.signal);
  } catch (err) {
    throw new ReconcileError(
      Reason.ReconciliationFailed,
      `${built.plan.name} reconcile failed: ${messageOf(err)}`,
      {
        cause: err,
      },
    );
  }
  if (artifact === built.artifact) {
    state.events?.normal(
      state.object,
      'ArtifactUpdated',
      `ExternalArtifact '${namespace}/${built.plan.name}' reconciled with revision '${artifact.revision}'`,
      {
        revision: artifact.revision,
        ...(artifact.digest === undefined ? {} : { digest: artifact.digest }),
      },
    );
  }
  await deps.storage.garbageCollect(storageRef(ref), artifact).catch((err: unknown) => {
    state.log.error('garbage collection failed', { artifact: built.plan.name, error: err });
  });
  return artifact;
}

function sameArtifact(a: Artifact, b: Artifact): boolean {
  return (
    a.path === b.path &&
    a.digest === b.digest &&
    a.revision === b.revision &&
    a.url === b.url &&
    sortedJson(a.metadata) === sortedJson(b.metadata)
  );
}

function sortedJson(map: Record<string, string> | undefined): string {
  return JSON.stringify(Object.entries(map ?? {}).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}
