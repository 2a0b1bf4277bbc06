// The Merge copy strategy: deep-merge a YAML document into another the way Helm layers
// `-f` values files: maps merge key by key, recursively; anything else (arrays, scalars,
// null) from the overlay replaces the base value.
import { parseAllDocuments, stringify } from 'yaml';

export class MergeError extends Error {
  override readonly name = 'MergeError';
}

type YamlMap = Record<string, unknown>;

function isMap(value: unknown): value is YamlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function mergeValues(base: YamlMap, overlay: YamlMap): YamlMap {
  const out: YamlMap = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = Object.hasOwn(out, key) ? out[key] : undefined;
    // defineProperty: a `__proto__` key in a values file stays a plain key.
    Object.defineProperty(out, key, {
      value: isMap(current) && isMap(value) ? mergeValues(current, value) : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Parses one YAML mapping; an empty document is an empty map. */
export function parseYamlMap(text: string, what: string): YamlMap {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return {};
  const nonEmpty = docs.filter((d) => d.contents !== null);
  if (nonEmpty.length > 1)
    throw new MergeError(`${what} holds ${nonEmpty.length} YAML documents; merge needs one`);
  const doc = nonEmpty[0];
  if (doc === undefined) return {};
  if (doc.errors.length > 0)
    throw new MergeError(`${what} is not valid YAML: ${doc.errors[0]?.message ?? ''}`);
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (value === null || value === undefined) return {};
  if (!isMap(value)) throw new MergeError(`${what} is not a YAML mapping`);
  return value;
}

/** The overlay merged into the base, as YAML text. */
export function mergeYaml(
  baseText: string,
  overlayText: string,
  names: { base: string; overlay: string },
): string {
  const merged = mergeValues(parseYamlMap(baseText, names.base), parseYamlMap(overlayText, names.overlay));
  return stringify(merged, { lineWidth: 0, aliasDuplicateObjects: false });
}
