// Fixture objects for the inspection tests, read from multi-document YAML.
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../../api/object.js';

export async function loadObjects(file: string): Promise<KubeObject[]> {
  const docs = parseAllDocuments(await readFile(file, 'utf8'));
  return docs.map((d) => d.toJS() as KubeObject | null).filter((o): o is KubeObject => o !== null);
}

/** Finds a fixture by kind, namespace and name. */
export function findObject(
  objects: readonly KubeObject[],
  kind: string,
  name: string,
  namespace = '',
): KubeObject | undefined {
  return objects.find(
    (o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? '') === namespace,
  );
}
