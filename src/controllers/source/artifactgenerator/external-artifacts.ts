// The ExternalArtifacts a generator owns: written by server-side apply (object, then
// status subresource) under the source-watcher field manager, owned by the generator
// (controller reference, so Kubernetes GC removes them with it), labelled with its name.
import { ConditionType, Reason } from '../../../api/meta/conditions.js';
import type { Artifact } from '../../../api/meta/status.js';
import type { ExternalArtifact } from '../../../api/source/externalartifact.js';
import type { ArtifactGenerator } from '../../../api/sourceextensions/artifactgenerator.js';
import type { ArtifactStorage } from '../../../artifact/storage.js';
import type { KubeClient } from '../../../runtime/client/client.js';
import { isNotFound } from '../../../runtime/client/errors.js';
import { apiVersion } from '../../../runtime/client/resource.js';
import { Conditions } from '../../../runtime/reconcile/conditions.js';
import {
  FIELD_MANAGER,
  GENERATOR_API_VERSION,
  GENERATOR_KIND,
  GENERATOR_LABEL,
  generatorLabelValue,
} from './names.js';
import { ExternalArtifacts } from './resources.js';

export interface ArtifactRef {
  readonly namespace: string;
  readonly name: string;
}

export function storageRef(ref: ArtifactRef): { kind: string; namespace: string; name: string } {
  return { kind: ExternalArtifacts.kind, namespace: ref.namespace, name: ref.name };
}

export async function getExternalArtifact(
  client: KubeClient,
  ref: ArtifactRef,
  signal?: AbortSignal,
): Promise<ExternalArtifact | undefined> {
  try {
    return await client.get<ExternalArtifact>(ExternalArtifacts, ref.name, ref.namespace, signal);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Controlled by an object other than this generator (another generator took the name). */
export function controlledByOther(ea: ExternalArtifact, generator: ArtifactGenerator): boolean {
  const controller = ea.metadata.ownerReferences?.find((o) => o.controller === true);
  return controller !== undefined && controller.uid !== generator.metadata.uid;
}

/** Applies the object (metadata and spec), then its status with the artifact and Ready=True. */
export async function applyExternalArtifact(
  client: KubeClient,
  generator: ArtifactGenerator,
  name: string,
  artifact: Artifact,
  existing: ExternalArtifact | undefined,
  signal?: AbortSignal,
): Promise<void> {
  const namespace = generator.metadata.namespace ?? '';
  const common = generator.spec?.commonMetadata;
  const object: ExternalArtifact = {
    apiVersion: apiVersion(ExternalArtifacts),
    kind: ExternalArtifacts.kind,
    metadata: {
      name,
      namespace,
      labels: {
        ...common?.labels,
        'app.kubernetes.io/managed-by': FIELD_MANAGER,
        ...generatorLabel(generator),
      },
      ...(common?.annotations === undefined ? {} : { annotations: { ...common.annotations } }),
      ownerReferences: [
        {
          apiVersion: GENERATOR_API_VERSION,
          kind: GENERATOR_KIND,
          name: generator.metadata.name,
          uid: generator.metadata.uid ?? '',
          controller: true,
        },
      ],
    },
    spec: {
      sourceRef: {
        apiVersion: GENERATOR_API_VERSION,
        kind: GENERATOR_KIND,
        name: generator.metadata.name,
        namespace,
      },
    },
  };
  const applied = await client.apply<ExternalArtifact>(ExternalArtifacts, object, {
    fieldManager: FIELD_MANAGER,
    force: true,
    signal,
  });
  const generation = applied.metadata.generation ?? 1;
  const conditions = new Conditions(existing?.status?.conditions, generation);
  conditions.markTrue(
    ConditionType.Ready,
    Reason.Succeeded,
    `stored artifact for revision '${artifact.revision}'`,
  );
  await client.apply(
    ExternalArtifacts,
    {
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata: { name, namespace },
      status: { observedGeneration: generation, artifact, conditions: conditions.toList() },
    },
    { fieldManager: FIELD_MANAGER, force: true, subresource: 'status', signal },
  );
}

/**
 * Deletes a generated ExternalArtifact and its storage, unless another generator has
 * taken the name over since. Returns false when it was left alone.
 */
export async function deleteExternalArtifact(
  client: KubeClient,
  storage: ArtifactStorage,
  generator: ArtifactGenerator,
  ref: ArtifactRef,
  signal?: AbortSignal,
): Promise<boolean> {
  const existing = await getExternalArtifact(client, ref, signal);
  if (existing !== undefined) {
    if (controlledByOther(existing, generator)) return false;
    try {
      await client.delete(ExternalArtifacts, ref, {
        propagationPolicy: 'Background',
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  await storage.remove(storageRef(ref));
  return true;
}

function generatorLabel(generator: ArtifactGenerator): Record<string, string> {
  const value = generatorLabelValue(generator.metadata.name);
  return value === undefined ? {} : { [GENERATOR_LABEL]: value };
}
