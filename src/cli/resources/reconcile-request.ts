// Asking a controller to reconcile now: the `reconcile.fluxcd.io/requestedAt` annotation
// with a fresh token, which the controller echoes in status.lastHandledReconcileAt.
import { Annotation } from '../../api/meta/conditions.js';
import type { KubeClient } from '../../runtime/client/client.js';
import type { ResourceType } from '../../runtime/client/resource.js';
import type { ObjectRef } from './object-ref.js';

/** RFC 3339 with fractional seconds, trailing zeros trimmed (Go's RFC3339Nano), in UTC. */
export function reconcileToken(now: Date = new Date()): string {
  return now.toISOString().replace(/\.?0+Z$/, 'Z');
}

/** The merge patch that requests a reconcile. */
export function requestPatch(token: string): { metadata: { annotations: Record<string, string> } } {
  return { metadata: { annotations: { [Annotation.ReconcileRequestedAt]: token } } };
}

/** Annotates the object and returns the token to wait for. */
export async function requestReconcile(
  client: KubeClient,
  res: ResourceType,
  ref: ObjectRef,
  opts: { readonly now?: Date; readonly signal?: AbortSignal } = {},
): Promise<string> {
  const token = reconcileToken(opts.now);
  await client.patch(res, { name: ref.name, namespace: ref.namespace }, requestPatch(token), {
    type: 'merge',
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
  });
  return token;
}
