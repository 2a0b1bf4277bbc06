// Step 1: validate the spec into a plan, then resolve every source to its current
// artifact. Nothing is downloaded here. A missing or not-ready source is waited for;
// an invalid spec or a refused cross-namespace reference stalls.
import { createHash } from 'node:crypto';
import { ConditionType } from '../../../api/meta/conditions.js';
import { isNotFound } from '../../../runtime/client/errors.js';
import { done, type Result } from '../../../runtime/controller/controller.js';
import { StalledError, WaitError } from '../../../runtime/reconcile/errors.js';
import type { ArtifactGeneratorDeps, GeneratorState, ObservedSource, Scratch } from './deps.js';
import { GeneratorReason, ORIGIN_REVISION_KEY } from './names.js';
import { SourceResources, type SourceObject } from './resources.js';
import { SpecError, planArtifacts } from './spec.js';

export async function reconcileSources(
  state: GeneratorState,
  deps: ArtifactGeneratorDeps,
  scratch: Scratch,
): Promise<Result> {
  const spec = state.object.spec;
  if (spec === undefined) throw new StalledError(GeneratorReason.ValidationFailed, 'spec is missing');
  try {
    scratch.plans = planArtifacts(spec);
  } catch (err) {
    if (err instanceof SpecError)
      throw new StalledError(GeneratorReason.ValidationFailed, err.message, { cause: err });
    throw err;
  }
  const ownNamespace = state.object.metadata.namespace ?? '';
  scratch.sources = new Map();
  for (const [i, ref] of spec.sources.entries()) {
    const namespace = ref.namespace ?? ownNamespace;
    const id = `${ref.kind} '${namespace}/${ref.name}' (spec.sources[${i}], alias '${ref.alias}')`;
    if (deps.noCrossNamespaceRefs && namespace !== ownNamespace) {
      throw new StalledError(
        GeneratorReason.AccessDenied,
        `${id}: cross-namespace references are not allowed on this cluster`,
      );
    }
    let source: SourceObject;
    try {
      source = await deps.client.get<SourceObject>(
        SourceResources[ref.kind],
        ref.name,
        namespace,
        state.signal,
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return waitFor(deps, `${id} not found`);
    }
    const artifact = source.status?.artifact;
    const ready = source.status?.conditions?.find((c) => c.type === ConditionType.Ready);
    if (artifact?.digest === undefined) return waitFor(deps, `${id} has no artifact yet`);
    if (ready?.status !== 'True') {
      return waitFor(deps, `${id} is not ready: ${ready?.message ?? 'no Ready condition'}`);
    }
    scratch.sources.set(ref.alias, observed(ref, namespace, { ...artifact, digest: artifact.digest }));
  }
  scratch.sourcesDigest = sourcesDigest(scratch.sources);
  return done;
}

function observed(
  ref: ObservedSource['ref'],
  namespace: string,
  artifact: ObservedSource['artifact'],
): ObservedSource {
  return {
    ref,
    namespace,
    artifact,
    originRevision: artifact.metadata?.[ORIGIN_REVISION_KEY] ?? artifact.revision,
  };
}

function waitFor(deps: ArtifactGeneratorDeps, message: string): never {
  throw new WaitError(
    GeneratorReason.SourceFetchFailed,
    `get sources failed: ${message}`,
    deps.requeueDependencyMs,
  );
}

/**
 * sha256 over each source's alias, artifact digest, revision and origin revision, in
 * alias order: any change that can alter an output (content or recorded revisions).
 */
export function sourcesDigest(sources: ReadonlyMap<string, ObservedSource>): string {
  const hash = createHash('sha256');
  for (const alias of [...sources.keys()].sort()) {
    const s = sources.get(alias);
    if (s === undefined) continue;
    hash.update(JSON.stringify([alias, s.artifact.digest, s.artifact.revision, s.originRevision]) + '\n');
  }
  return `sha256:${hash.digest('hex')}`;
}
