// DELETE with background propagation. The policy goes in the query string: a
// DELETE body sent through KubeClient.request has no Content-Length, so the
// server ignores it and the bytes corrupt the next request on the connection.
import type { KubeClient } from '../runtime/client/client.js';
import { resourcePath, type ResourceType } from '../runtime/client/resource.js';

export async function deleteInBackground(
  client: KubeClient,
  res: ResourceType,
  ref: { readonly name: string; readonly namespace: string },
  signal: AbortSignal,
): Promise<void> {
  await client.request({
    method: 'DELETE',
    path: resourcePath(res, { namespace: ref.namespace, name: ref.name }),
    query: { propagationPolicy: 'Background' },
    signal,
  });
}
