// Step 2: nothing to do when the sources are as last built from, the spec generation
// was handled, and every ExternalArtifact of the inventory still exists with its
// digest and an intact file in storage. Then no source is fetched and nothing written.
import type { GeneratedArtifactReference } from '../../../api/sourceextensions/artifactgenerator.js';
import { requeueAfter, type Result } from '../../../runtime/controller/controller.js';
import { parseDuration } from '../../../runtime/manager/duration.js';
import type { ArtifactGeneratorDeps, GeneratorState, Scratch } from './deps.js';
import { controlledByOther, getExternalArtifact } from './external-artifacts.js';
import { RECONCILE_EVERY_ANNOTATION } from './names.js';

const DEFAULT_RECONCILE_EVERY_MS = 60 * 60_000;

export async function reconcileDrift(
  state: GeneratorState,
  deps: ArtifactGeneratorDeps,
  scratch: Scratch,
): Promise<Result> {
  const drift = await detectDrift(state, deps, scratch);
  if (drift === undefined) {
    scratch.upToDate = true;
    state.ready = {
      reason: state.ready.reason,
      message: `no drift detected, ${scratch.plans.length} artifact(s) up to date`,
    };
  } else {
    state.logFields['drift'] = drift;
  }
  return requeueAfter(reconcileEveryMs(state));
}

/** Why a rebuild is needed, or undefined when the outputs are current. */
async function detectDrift(
  state: GeneratorState,
  deps: ArtifactGeneratorDeps,
  scratch: Scratch,
): Promise<string | undefined> {
  const status = state.status;
  if (status['observedSourcesDigest'] !== scratch.sourcesDigest) return 'sources changed';
  if (status.observedGeneration !== state.object.metadata.generation) return 'spec changed';
  const inventory = (status['inventory'] as GeneratedArtifactReference[] | undefined) ?? [];
  const names = scratch.plans.map((p) => p.name).sort();
  if (JSON.stringify(inventory.map((e) => e.name).sort()) !== JSON.stringify(names))
    return 'inventory differs from spec';
  for (const entry of inventory) {
    const ea = await getExternalArtifact(deps.client, entry, state.signal);
    if (ea === undefined) return `ExternalArtifact '${entry.name}' is missing`;
    if (controlledByOther(ea, state.object))
      return `ExternalArtifact '${entry.name}' is controlled by another object`;
    const artifact = ea.status?.artifact;
    if (artifact?.digest !== entry.digest) return `ExternalArtifact '${entry.name}' has another artifact`;
    if (!(await deps.storage.verify(artifact))) return `artifact of '${entry.name}' is missing from storage`;
  }
  return undefined;
}

function reconcileEveryMs(state: GeneratorState): number {
  const value = state.object.metadata.annotations?.[RECONCILE_EVERY_ANNOTATION];
  if (value === undefined) return DEFAULT_RECONCILE_EVERY_MS;
  try {
    return Math.max(parseDuration(value), 1000);
  } catch {
    return DEFAULT_RECONCILE_EVERY_MS;
  }
}
