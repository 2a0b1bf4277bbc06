// SOPS keys from a Kubernetes Secret, by Flux's key-name conventions:
// `<anything>.agekey` holds age identities, `<anything>.asc` an ASCII-armored
// OpenPGP private key. Key material stays in memory and goes to tide-render
// only.
import type { SopsKeys } from './types.js';

/** Secret keys Flux reads for cloud KMS and Vault; Tide does not serve them yet. */
const cloudKeys = ['sops.vault-token', 'sops.aws-kms', 'sops.azure-kv', 'sops.gcp-kms'];

export interface SecretSopsKeys extends SopsKeys {
  /** Secret entries naming key services Tide does not support (names only). */
  readonly unsupported: readonly string[];
}

/** Reads the decryption keys from a Secret's data (base64 values, as the API returns them). */
export function sopsKeysFromSecret(data: Readonly<Record<string, string>> | undefined): SecretSopsKeys {
  const age: string[] = [];
  const pgp: string[] = [];
  const unsupported: string[] = [];
  for (const [name, value] of Object.entries(data ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    const text = Buffer.from(value, 'base64').toString('utf8');
    if (name.endsWith('.agekey')) age.push(text);
    else if (name.endsWith('.asc')) pgp.push(text);
    else if (cloudKeys.includes(name)) unsupported.push(name);
  }
  return { age, pgp, unsupported };
}

/** Joins several key sets (the Kustomization's Secret and the controller-wide --sops-age-secret). */
export function mergeSopsKeys(...sets: readonly (SopsKeys | undefined)[]): SopsKeys {
  return {
    age: sets.flatMap((s) => s?.age ?? []),
    pgp: sets.flatMap((s) => s?.pgp ?? []),
  };
}
