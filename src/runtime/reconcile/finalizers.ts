// Finalizer edits with optimistic concurrency: the patch carries the resourceVersion
// it was computed from, so a concurrent change makes it fail (409) instead of
// silently dropping another controller's finalizer.
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../client/client.js';
import type { ResourceType } from '../client/resource.js';

export async function addFinalizer<T extends KubeObject>(
  client: KubeClient,
  res: ResourceType,
  object: T,
  finalizer: string,
  signal?: AbortSignal,
): Promise<T> {
  const finalizers = object.metadata.finalizers ?? [];
  if (finalizers.includes(finalizer)) return object;
  return client.patch<T>(
    res,
    object.metadata,
    patchFor(object, [...finalizers, finalizer]),
    signalOpts(signal),
  );
}

export async function removeFinalizer<T extends KubeObject>(
  client: KubeClient,
  res: ResourceType,
  object: T,
  finalizer: string,
  signal?: AbortSignal,
): Promise<T> {
  const finalizers = object.metadata.finalizers ?? [];
  if (!finalizers.includes(finalizer)) return object;
  return client.patch<T>(
    res,
    object.metadata,
    patchFor(
      object,
      finalizers.filter((f) => f !== finalizer),
    ),
    signalOpts(signal),
  );
}

function patchFor(object: KubeObject, finalizers: string[]): unknown {
  return { metadata: { finalizers, resourceVersion: object.metadata.resourceVersion } };
}

function signalOpts(signal: AbortSignal | undefined): { type: 'merge'; signal?: AbortSignal } {
  return signal === undefined ? { type: 'merge' } : { type: 'merge', signal };
}
