// YAML output: multi-document streams as `export` and `create --export` print them
// (every document introduced by `---`, keys sorted like the flux CLI's Go encoder), and
// the objects `get -o yaml|json` prints as the API returns them.
import { stringify } from 'yaml';
import type { KubeObject } from '../../api/object.js';

/** `---` before each document, map keys sorted, long strings never folded. */
export function yamlDocuments(objects: readonly unknown[]): string {
  return objects
    .map(
      (o) =>
        `---\n${stringify(o, { sortMapEntries: true, indentSeq: false, lineWidth: 0, aliasDuplicateObjects: false })}`,
    )
    .join('');
}

/** An object without metadata.managedFields (noise in every read). */
export function withoutManagedFields<T extends KubeObject>(obj: T): T {
  if (obj.metadata.managedFields === undefined) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/** One object as itself, several as a kubectl-style `List`. */
export function asOutputDocument(objects: readonly KubeObject[], single: boolean): unknown {
  const items = objects.map(withoutManagedFields);
  if (single && items.length === 1) return items[0];
  return { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
}

export function formatOutput(doc: unknown, format: 'yaml' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(doc, null, 2)}\n`;
  return stringify(doc, { indentSeq: false, lineWidth: 0, aliasDuplicateObjects: false });
}
