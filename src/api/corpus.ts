// The manifest corpus under testdata/corpus: valid manifests the API server must accept
// and invalid ones it must reject with the field-level message each one names.
//
// Layout: testdata/corpus/<group>/<plural>/valid/*.yaml (any number of documents) and
// testdata/corpus/<group>/<plural>/invalid/*.yaml (one document, preceded by one or more
// `# expect: <text>` lines that must all appear in the API server's error).
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TSchema } from '@sinclair/typebox';
import { parseAllDocuments } from 'yaml';
import type { KindDefinition } from './crd.js';
import type { KubeObject } from './object.js';

export const CORPUS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata', 'corpus');

export interface CorpusManifest {
  readonly file: string;
  readonly object: KubeObject;
  /** Texts the rejection must contain (invalid manifests only). */
  readonly expect: readonly string[];
}

export async function loadCorpus(
  kind: KindDefinition,
  validity: 'valid' | 'invalid',
): Promise<CorpusManifest[]> {
  const dir = path.join(CORPUS_DIR, kind.group, kind.plural, validity);
  const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.yaml')).sort();
  const manifests: CorpusManifest[] = [];
  for (const file of files) {
    const text = await readFile(path.join(dir, file), 'utf8');
    const expect = [...text.matchAll(/^# expect: (.+)$/gm)].map((m) => (m[1] ?? '').trim());
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message ?? 'invalid YAML'}`);
      const object = doc.toJS() as KubeObject | null;
      if (object === null) continue;
      manifests.push({ file: path.relative(CORPUS_DIR, path.join(dir, file)), object, expect });
    }
  }
  return manifests;
}

/**
 * Every field path a spec schema declares, e.g. `spec.ref.branch`, `spec.include[].toPath`.
 * Maps and free-form values end a path: their content is the user's.
 */
export function schemaFieldPaths(schema: TSchema, prefix = 'spec'): string[] {
  const paths: string[] = [];
  const walk = (node: Record<string, unknown>, at: string): void => {
    const properties = node['properties'] as Record<string, Record<string, unknown>> | undefined;
    if (properties !== undefined) {
      for (const [name, child] of Object.entries(properties)) {
        const childPath = `${at}.${name}`;
        paths.push(childPath);
        walk(child, childPath);
      }
    }
    const items = node['items'] as Record<string, unknown> | undefined;
    if (items !== undefined) walk(items, `${at}[]`);
    for (const key of ['anyOf', 'oneOf'] as const) {
      const branches = node[key] as Record<string, unknown>[] | undefined;
      for (const branch of branches ?? []) walk(branch, at);
    }
  };
  walk(schema, prefix);
  return paths;
}

/** Field paths present in an object, in the notation of schemaFieldPaths. */
export function objectFieldPaths(value: unknown, prefix = 'spec'): Set<string> {
  const seen = new Set<string>();
  const walk = (node: unknown, at: string): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item, `${at}[]`);
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) {
        seen.add(`${at}.${key}`);
        walk(child, `${at}.${key}`);
      }
    }
  };
  walk(value, prefix);
  return seen;
}
