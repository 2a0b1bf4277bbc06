// Step 1: find the source and its current artifact. Nothing is downloaded here. A
// refused cross-namespace reference stalls; a missing source or artifact is waited for.
import { ConditionType, Reason } from '../../../api/meta/conditions.js';
import type { Artifact, Condition } from '../../../api/meta/status.js';
import type { KubeObject } from '../../../api/object.js';
import { BucketKind } from '../../../api/source/bucket.js';
import { ExternalArtifactKind } from '../../../api/source/externalartifact.js';
import { GitRepositoryKind } from '../../../api/source/gitrepository.js';
import { OCIRepositoryKind } from '../../../api/source/ocirepository.js';
import { isNotFound } from '../../../runtime/client/errors.js';
import { resourceFor, type ResourceType } from '../../../runtime/client/resource.js';
import { done, type Result } from '../../../runtime/controller/controller.js';
import { StalledError, WaitError } from '../../../runtime/reconcile/errors.js';
import { formatDuration } from '../../../runtime/manager/duration.js';
import type { KustomizationDeps, KustomizationState, Scratch } from './deps.js';
import { ORIGIN_REVISION_KEY } from './names.js';
import { retryIntervalMs, timeoutMs } from './timing.js';

export const SourceResources: Readonly<Record<string, ResourceType>> = {
  GitRepository: resourceFor(GitRepositoryKind),
  OCIRepository: resourceFor(OCIRepositoryKind),
  Bucket: resourceFor(BucketKind),
  ExternalArtifact: resourceFor(ExternalArtifactKind),
};

export type SourceObject = KubeObject<unknown, { artifact?: Artifact; conditions?: Condition[] }>;

/** Index key of a source: `Kind/namespace/name`. */
export function sourceKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

export async function reconcileSource(
  state: KustomizationState,
  deps: KustomizationDeps,
  scratch: Scratch,
): Promise<Result> {
  const obj = state.object;
  const spec = obj.spec;
  if (spec === undefined) throw new StalledError(Reason.Failed, 'spec is missing');
  const ownNamespace = obj.metadata.namespace ?? '';
  const ref = spec.sourceRef;
  const namespace = ref.namespace ?? ownNamespace;
  const id = `${ref.kind}/${namespace}/${ref.name}`;
  if (deps.noCrossNamespaceRefs && namespace !== ownNamespace) {
    throw new StalledError(
      Reason.AccessDenied,
      `cannot access ${id}, cross-namespace references have been blocked (--no-cross-namespace-refs): ` +
        `move the source into namespace ${ownNamespace}`,
    );
  }
  const resource = SourceResources[ref.kind];
  if (resource === undefined) {
    throw new StalledError(Reason.Failed, `spec.sourceRef.kind ${ref.kind} is not a source kind`);
  }
  let source = deps.cachedSource?.(ref.kind, namespace, ref.name);
  if (source === undefined) {
    try {
      source = await deps.client.get<SourceObject>(resource, ref.name, namespace, state.signal);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      throw new WaitError(Reason.ArtifactFailed, `Source '${id}' not found`, retryIntervalMs(obj));
    }
  }
  const artifact = source.status?.artifact;
  if (artifact?.digest === undefined) {
    throw new WaitError(
      Reason.ArtifactFailed,
      `Source '${id}' is not ready, artifact not found`,
      deps.requeueDependencyMs,
    );
  }
  scratch.source = {
    kind: ref.kind,
    namespace,
    name: ref.name,
    artifact: { ...artifact, digest: artifact.digest },
    originRevision: artifact.metadata?.[ORIGIN_REVISION_KEY],
  };
  state.status.lastAttemptedRevision = artifact.revision;
  state.logFields.revision = artifact.revision;
  const ready = source.status?.conditions?.find((c) => c.type === ConditionType.Ready);
  if (ready !== undefined && ready.status !== 'True') {
    state.log.debug('source is not ready; using its last artifact', { source: id });
  }
  state.conditions.markReconciling(
    Reason.Progressing,
    `Building manifests for revision ${artifact.revision} with a timeout of ${formatDuration(timeoutMs(obj))}`,
  );
  return done;
}
