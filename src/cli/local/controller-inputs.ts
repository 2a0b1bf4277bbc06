// The inputs of the controller's build step taken from a Kustomization (shared with the
// controller: build-inputs.ts), and the SOPS keys of spec.decryption.secretRef as the
// CLI reads them: its errors are the CLI's, and the controller-wide keys are unknown here.
import type { Kustomization } from '../../api/kustomize/kustomization.js';
export {
  kustomizeSpec,
  readSubstituteData,
  withOwnerLabels,
} from '../../controllers/kustomize/kustomization/build-inputs.js';
import type { KubeClient } from '../../runtime/client/client.js';
import { ApiError, isNotFound } from '../../runtime/client/errors.js';
import { CoreResources } from '../../runtime/client/resource.js';
import { mergeSopsKeys, sopsKeysFromSecret } from '../../render/sops-keys.js';
import type { SopsKeys } from '../../render/types.js';
import { CliError } from '../context.js';

interface DataObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
}

/** The SOPS keys of spec.decryption.secretRef (the controller-wide keys are not known here). */
export async function decryptionKeys(
  client: KubeClient,
  owner: Kustomization,
  signal: AbortSignal,
): Promise<SopsKeys> {
  const ref = owner.spec?.decryption?.secretRef;
  if (ref === undefined) return mergeSopsKeys();
  const namespace = owner.metadata.namespace ?? '';
  let secret: DataObject;
  try {
    secret = await client.get<DataObject>(CoreResources.Secret, ref.name, namespace, signal);
  } catch (err) {
    if (isNotFound(err)) {
      throw new CliError(
        `spec.decryption.secretRef: Secret ${namespace}/${ref.name} not found: create it with the SOPS keys (*.agekey, *.asc)`,
      );
    }
    if (err instanceof ApiError && err.status === 403) {
      throw new CliError(
        `spec.decryption.secretRef: cannot read Secret ${namespace}/${ref.name} (forbidden): ` +
          'the build needs its SOPS keys; use credentials that may read it',
      );
    }
    throw err;
  }
  return mergeSopsKeys(sopsKeysFromSecret(secret.data));
}
