// Kubeconfigs of remote clusters, read from a tenant's Secret. A kubeconfig may name
// programs to run and local files to read; from a tenant that is code execution and a
// file-read oracle on the controller, so anything beyond inline data is refused before
// the kubeconfig is loaded (security bar §4 item 20).
import { parse } from 'yaml';
import {
  KubeConfigError,
  loadKubeConfigFromString,
  type ResolvedKubeConfig,
} from '../../../runtime/client/kubeconfig.js';

export interface KubeConfigPolicy {
  /** Allow `insecure-skip-tls-verify: true` (Flux: --insecure-kubeconfig-tls). */
  readonly allowInsecureTls?: boolean;
}

export class KubeConfigRefused extends Error {
  override readonly name = 'KubeConfigRefused';
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Field → why it is refused, for users[].user. */
const REFUSED_USER_FIELDS: Readonly<Record<string, string>> = {
  exec: 'runs a program on the controller',
  'auth-provider': 'runs a credential plugin on the controller',
  tokenFile: 'reads a file on the controller',
  'client-certificate': 'reads a file on the controller (use client-certificate-data)',
  'client-key': 'reads a file on the controller (use client-key-data)',
};

const REFUSED_CLUSTER_FIELDS: Readonly<Record<string, string>> = {
  'certificate-authority': 'reads a file on the controller (use certificate-authority-data)',
};

/**
 * Parses and checks a kubeconfig from a Secret; `where` names the Secret and key in
 * messages. Throws KubeConfigRefused naming the entry and the field.
 */
export function loadRemoteKubeConfig(
  text: string,
  where: string,
  policy: KubeConfigPolicy = {},
): ResolvedKubeConfig {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 50 });
  } catch (err) {
    throw new KubeConfigRefused(
      `${where}: not a valid kubeconfig: ${(err as Error).message.split('\n')[0] ?? ''}`,
    );
  }
  if (!isRecord(doc)) throw new KubeConfigRefused(`${where}: not a valid kubeconfig (not a mapping)`);
  for (const entry of asList(doc.users)) {
    const user = isRecord(entry.user) ? entry.user : {};
    for (const [field, why] of Object.entries(REFUSED_USER_FIELDS)) {
      if (user[field] !== undefined && user[field] !== '' && user[field] !== null) {
        throw new KubeConfigRefused(
          `${where}: users[${nameOf(entry)}].user.${field} is not allowed: it ${why}; ` +
            'use a static token or client certificate data',
        );
      }
    }
  }
  for (const entry of asList(doc.clusters)) {
    const cluster = isRecord(entry.cluster) ? entry.cluster : {};
    for (const [field, why] of Object.entries(REFUSED_CLUSTER_FIELDS)) {
      if (cluster[field] !== undefined && cluster[field] !== '' && cluster[field] !== null) {
        throw new KubeConfigRefused(
          `${where}: clusters[${nameOf(entry)}].cluster.${field} is not allowed: it ${why}`,
        );
      }
    }
    if (cluster['insecure-skip-tls-verify'] === true && policy.allowInsecureTls !== true) {
      throw new KubeConfigRefused(
        `${where}: clusters[${nameOf(entry)}].cluster.insecure-skip-tls-verify is not allowed on this controller ` +
          '(--insecure-kubeconfig-tls is off): add the cluster CA as certificate-authority-data',
      );
    }
  }
  // No base directory and no environment: nothing in it may refer to the controller's
  // files or start a program, which the checks above already made sure of.
  try {
    return loadKubeConfigFromString(text, { source: where });
  } catch (err) {
    if (err instanceof KubeConfigError) throw new KubeConfigRefused(err.message, { cause: err });
    throw err;
  }
}

function asList(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function nameOf(entry: Record<string, unknown>): string {
  return typeof entry.name === 'string' ? entry.name : '?';
}
