// Reading the Secrets a source refers to. Values stay Buffers and never enter messages.
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../../runtime/client/client.js';
import { isNotFound } from '../../runtime/client/errors.js';
import { CoreResources } from '../../runtime/client/resource.js';
import { ReconcileError } from '../../runtime/reconcile/errors.js';

type Secret = KubeObject & { data?: Record<string, string> };

export type SecretData = Record<string, Buffer>;

/** The decoded data of `namespace/name`; `reason` is the condition reason on failure. */
export async function readSecret(
  client: KubeClient,
  namespace: string,
  name: string,
  purpose: string,
  reason: string,
  signal?: AbortSignal,
): Promise<SecretData> {
  let secret: Secret;
  try {
    secret = await client.get<Secret>(CoreResources.Secret, name, namespace, signal);
  } catch (err) {
    if (isNotFound(err)) {
      throw new ReconcileError(reason, `${purpose} Secret '${namespace}/${name}' not found`);
    }
    throw new ReconcileError(reason, `reading ${purpose} Secret '${namespace}/${name}' failed`, {
      cause: err,
    });
  }
  const data: SecretData = {};
  for (const [key, value] of Object.entries(secret.data ?? {})) data[key] = Buffer.from(value, 'base64');
  return data;
}
