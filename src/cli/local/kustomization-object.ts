// The Flux Kustomization a local build follows: the one in the cluster, or one read
// from --kustomization-file (the document with the asked name and namespace), checked
// for the fields a build reads so a typo fails here and not as an odd build.
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { KUSTOMIZE_GROUP } from '../../api/kustomize/group.js';
import type { Kustomization } from '../../api/kustomize/kustomization.js';
import { KustomizationKind } from '../../api/kustomize/kustomization.js';
import type { KubeClient } from '../../runtime/client/client.js';
import { isNotFound } from '../../runtime/client/errors.js';
import { resourceFor } from '../../runtime/client/resource.js';
import { CliError } from '../context.js';

export const Kustomizations = resourceFor(KustomizationKind);

/** The live Kustomization, or undefined when it does not exist. */
export async function getKustomization(
  client: KubeClient,
  namespace: string,
  name: string,
  signal: AbortSignal,
): Promise<Kustomization | undefined> {
  try {
    return await client.get<Kustomization>(Kustomizations, name, namespace, signal);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The Kustomization `name` in `namespace` (or without a namespace) from a YAML or JSON file. */
export async function readKustomizationFile(
  file: string,
  name: string,
  namespace: string,
): Promise<Kustomization> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`--kustomization-file ${file}: ${(err as Error).message}`);
  }
  const found: string[] = [];
  for (const [index, doc] of parseAllDocuments(text).entries()) {
    if (doc.errors.length > 0) {
      throw new CliError(
        `--kustomization-file ${file}: document ${index + 1} is not valid YAML: ${doc.errors[0]?.message ?? ''}`,
      );
    }
    const obj = doc.toJS() as unknown;
    if (!isKustomization(obj)) continue;
    const ns = obj.metadata.namespace ?? '';
    found.push(`${ns === '' ? '' : `${ns}/`}${obj.metadata.name}`);
    if (obj.metadata.name !== name || (ns !== '' && ns !== namespace)) continue;
    const k = { ...obj, metadata: { ...obj.metadata, namespace } };
    checkSpec(k, `--kustomization-file ${file}`);
    return k;
  }
  const seen = found.length === 0 ? 'it holds no Kustomization' : `it holds ${found.join(', ')}`;
  throw new CliError(
    `--kustomization-file ${file}: no Kustomization ${namespace}/${name} (${seen}); ` +
      'check the name and -n/--namespace',
  );
}

export function isKustomization(obj: unknown): obj is Kustomization {
  if (typeof obj !== 'object' || obj === null) return false;
  const o = obj as Partial<Kustomization>;
  return (
    typeof o.apiVersion === 'string' &&
    o.apiVersion.startsWith(`${KUSTOMIZE_GROUP}/`) &&
    o.kind === KustomizationKind.kind &&
    typeof o.metadata?.name === 'string'
  );
}

/** The fields a build reads must have the API's shapes. */
export function checkSpec(k: Kustomization, where: string): void {
  const spec: unknown = k.spec;
  const id = `Kustomization ${k.metadata.namespace ?? ''}/${k.metadata.name}`;
  const fail = (field: string, want: string): never => {
    throw new CliError(`${where}: ${id}: spec.${field} must be ${want}`);
  };
  if (typeof spec !== 'object' || spec === null) fail('', 'an object');
  const s = spec as Record<string, unknown>;
  const strings = ['path', 'targetNamespace', 'namePrefix', 'nameSuffix', 'serviceAccountName'];
  for (const f of strings) if (s[f] !== undefined && typeof s[f] !== 'string') fail(f, 'a string');
  for (const f of ['patches', 'images', 'components']) {
    if (s[f] !== undefined && !Array.isArray(s[f])) fail(f, 'a list');
  }
  if (s['prune'] !== undefined && typeof s['prune'] !== 'boolean') fail('prune', 'true or false');
  const postBuild = s['postBuild'] as Record<string, unknown> | undefined;
  if (postBuild !== undefined) {
    if (typeof postBuild !== 'object') fail('postBuild', 'an object');
    const sub = postBuild['substitute'];
    if (sub !== undefined) {
      if (typeof sub !== 'object' || sub === null || Array.isArray(sub))
        fail('postBuild.substitute', 'a map');
      for (const [key, value] of Object.entries(sub as Record<string, unknown>)) {
        if (typeof value !== 'string')
          fail(`postBuild.substitute.${key}`, 'a string (quote numbers and booleans)');
      }
    }
    if (postBuild['substituteFrom'] !== undefined && !Array.isArray(postBuild['substituteFrom'])) {
      fail('postBuild.substituteFrom', 'a list');
    }
  }
}
