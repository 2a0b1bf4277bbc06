// Flux post-build variable substitution. The expression dialect is the one of
// fluxcd/pkg/envsubst (a drone/envsubst fork) quirks included, because manifests written
// for Flux must render to the same objects here. The object-level pass follows
// kustomize-controller: serialize, substitute the text, parse back with YAML 1.1 scalars.
// Known differences, on input no real manifest has: a rune cut by a byte offset becomes
// U+FFFD where Go keeps the raw bytes; a lone CR inside a quoted scalar fails here where
// goyaml folds it; the MAX_* bounds; case mapping and letters follow Node's Unicode tables.
// The expression engine is in envsubst.ts, the goyaml.v2 emulation in goyaml.ts.
import { LineCounter, parseDocument, stringify, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { PostBuild } from '../api/kustomize/index.js';
import { sanitizeText } from '../runtime/log/sanitize.js';
import { expand, isVariableMap, LimitExceeded, ParseFailure, UndefinedVariable } from './envsubst.js';
import { checkKeys, SCHEMA_OPTIONS, STRINGIFY_OPTIONS } from './goyaml.js';

export { MAX_MATCH_STEPS, MAX_NESTING, MAX_RESULT_LENGTH } from './envsubst.js';
export { goKeyCompare, resolveGoNumber } from './goyaml.js';

/** Variables by name; a Record is read through its own properties only. */
export type Variables = ReadonlyMap<string, string> | Readonly<Record<string, string>>;
export type SubstituteStrategy = 'WithVariables' | 'Always';

export interface SubstituteOptions {
  /** Fail on an undefined variable that has no default (Flux's StrictPostBuildSubstitutions). */
  readonly strict: boolean;
}

export interface SubstituteObjectOptions extends SubstituteOptions {
  /** WithVariables (default) leaves objects alone when no variable is defined. */
  readonly strategy?: SubstituteStrategy;
}

/** Reads a ConfigMap's data or a Secret's decoded data; undefined when it does not exist. */
export type ReadVariables = (
  kind: 'ConfigMap' | 'Secret',
  name: string,
) => Promise<Readonly<Record<string, string>> | undefined>;

export const SUBSTITUTE_KEY = 'kustomize.toolkit.fluxcd.io/substitute';
/** Flux's `^[_[:alpha:]][_[:alpha:][:digit:]]*$` (POSIX classes are ASCII in RE2). */
export const VARIABLE_NAME_PATTERN = /^[_A-Za-z][_A-Za-z0-9]*$/;
/** Alias expansions allowed when parsing the substituted YAML (billion-laughs guard). */
export const MAX_ALIAS_COUNT = 100;

export type SubstitutionReason =
  | 'UndefinedVariable'
  | 'BadSubstitution'
  | 'LimitExceeded'
  | 'InvalidVariableName'
  | 'InvalidResult'
  | 'SourceNotFound'
  | 'SourceUnreadable';

interface Where {
  readonly variable?: string;
  readonly object?: string;
  readonly field?: string;
}

/** A substitution failure. Messages name variables, objects and fields, never values. */
export class SubstitutionError extends Error {
  override readonly name = 'SubstitutionError';
  readonly variable: string | undefined;
  readonly object: string | undefined;
  readonly field: string | undefined;
  constructor(
    readonly reason: SubstitutionReason,
    message: string,
    where: Where = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.variable = where.variable;
    this.object = where.object;
    this.field = where.field;
  }
}

// ---------------------------------------------------------------------------
// Text substitution

/**
 * Expands `${...}` expressions in text. `$var` is left alone and `$$` stands for `$`,
 * so `$${var}` gives `${var}`. Non-strict, an undefined variable is the empty string.
 */
export function substitute(text: string, vars: Variables, options: SubstituteOptions): string {
  try {
    return expand(text, vars, options.strict);
  } catch (err) {
    throw asSubstitutionError(err);
  }
}

/** Converts expand's failures; inside an object the position gives way to the object and field. */
function asSubstitutionError(err: unknown, where?: { object: string; field: string | undefined }): unknown {
  const prefix =
    where === undefined
      ? ''
      : `${where.object}: ${where.field === undefined ? '' : `field ${where.field}: `}`;
  if (err instanceof ParseFailure) {
    const at = where === undefined ? ` at line ${err.line}, column ${err.column}` : '';
    return new SubstitutionError(
      'BadSubstitution',
      `${prefix}${err.message}${at}: write a literal "\${" as "$\${", or mark the object with ${SUBSTITUTE_KEY}: disabled`,
      { ...where },
    );
  }
  if (err instanceof LimitExceeded) {
    return new SubstitutionError(
      'LimitExceeded',
      `${prefix}${err.message}: simplify the expression or the value`,
      { ...where },
    );
  }
  if (err instanceof UndefinedVariable) {
    const variable = err.variable;
    return new SubstitutionError(
      'UndefinedVariable',
      `${prefix}variable not set (strict mode): "${variable}": define it in postBuild.substitute or ` +
        `postBuild.substituteFrom, or give it a default such as \${${variable}:=value}`,
      { ...where, variable },
    );
  }
  return err;
}

// ---------------------------------------------------------------------------
// Object substitution

/**
 * Substitutes variables in one object the way kustomize-controller does: skipped when the
 * object is labelled or annotated `kustomize.toolkit.fluxcd.io/substitute: disabled`, or, with
 * the WithVariables strategy, when no variable is defined. A substituted plain scalar takes
 * the type YAML 1.1 gives it (`true`, `010`, `1e3` are not strings). Returns `obj` itself
 * when skipped, a new object otherwise.
 */
export function substituteObject(
  obj: Readonly<Record<string, unknown>>,
  vars: Variables,
  options: SubstituteObjectOptions,
): Record<string, unknown> {
  if (isSubstitutionDisabled(obj)) return obj;
  const names = isVariableMap(vars) ? [...vars.keys()] : Object.keys(vars);
  if (names.length === 0 && options.strategy !== 'Always') return obj;
  const id = objectId(obj);
  const invalid = names.find((n) => !VARIABLE_NAME_PATTERN.test(n));
  if (invalid !== undefined) {
    throw new SubstitutionError(
      'InvalidVariableName',
      `${id}: variable name ${JSON.stringify(invalid)} is invalid, it must match ` +
        `${VARIABLE_NAME_PATTERN.source}: rename the key in postBuild.substitute or in the ConfigMap/Secret`,
      { variable: invalid, object: id },
    );
  }
  // Without a '$' there is nothing to expand, and the round trip would give the object back.
  if (!hasDollar(obj)) return obj;
  const text = stringify(obj, STRINGIFY_OPTIONS);
  let out: string;
  try {
    out = expand(text, vars, options.strict);
  } catch (err) {
    throw asSubstitutionError(err, { object: id, field: failingField(obj, vars, options.strict, err) });
  }
  return parseSubstituted(out, text, id);
}

function hasDollar(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('$');
  if (Array.isArray(v)) return v.some(hasDollar);
  const record = asRecord(v);
  return (
    record !== undefined && Object.entries(record).some(([k, item]) => k.includes('$') || hasDollar(item))
  );
}

export function isSubstitutionDisabled(obj: Readonly<Record<string, unknown>>): boolean {
  const meta = asRecord(obj.metadata);
  return [meta?.labels, meta?.annotations].some((m) => asRecord(m)?.[SUBSTITUTE_KEY] === 'disabled');
}

function asRecord(v: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function objectId(obj: Readonly<Record<string, unknown>>): string {
  const meta = asRecord(obj.metadata);
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const kind = str(obj.kind) || '<no kind>';
  const name = str(meta?.name) || '<no name>';
  const ns = str(meta?.namespace);
  return ns === '' ? `${kind}/${name}` : `${kind}/${ns}/${name}`;
}

/** The first key or string value that fails the same way on its own, as a field path. */
function failingField(obj: unknown, vars: Variables, strict: boolean, failure: unknown): string | undefined {
  const fails = (s: string): boolean => {
    try {
      expand(s, vars, strict);
      return false;
    } catch (err) {
      if (failure instanceof UndefinedVariable)
        return err instanceof UndefinedVariable && err.variable === failure.variable;
      return err instanceof Error && failure instanceof Error && err.constructor === failure.constructor;
    }
  };
  const walk = (v: unknown, path: string): string | undefined => {
    if (typeof v === 'string') return fails(v) ? path : undefined;
    if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) {
        const found = walk(item, `${path}[${i}]`);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    for (const [key, item] of Object.entries(asRecord(v) ?? {})) {
      const p = joinPath(path, key);
      if (fails(key)) return `${p} (the key)`;
      const found = walk(item, p);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(obj, '');
}

function joinPath(path: string, key: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function parseSubstituted(out: string, before: string, id: string): Record<string, unknown> {
  const invalid = (detail: string, field?: string): SubstitutionError =>
    new SubstitutionError(
      'InvalidResult',
      `${id}: ${field === undefined ? '' : `field ${field}: `}the YAML after substitution is invalid (${detail}): ` +
        'a substituted value holds YAML syntax (such as ": ", " #", "[", "{" or a leading "*"): wrap the ' +
        "reference in ${quote}...${quote} with quote set to '\"' in postBuild.substitute, or mark the object with " +
        `${SUBSTITUTE_KEY}: disabled`,
      { object: id, ...(field !== undefined && { field }) },
    );
  // goyaml takes a lone CR for a line break, which the yaml package does not.
  const doc = parseDocument(out.replace(/\r\n?/g, '\n'), { ...SCHEMA_OPTIONS, uniqueKeys: false });
  const [first] = doc.errors;
  if (first !== undefined) {
    // The parser's own message quotes the offending line, which may hold a secret value.
    const line = first.linePos?.[0].line;
    const where = line === undefined ? '' : ` at line ${line}`;
    throw invalid(`${first.code}${where}`, line === undefined ? undefined : fieldAtLine(before, line));
  }
  const badKey = checkKeys(doc.contents);
  if (badKey !== undefined) throw invalid(badKey);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    throw invalid(`more than ${MAX_ALIAS_COUNT} alias expansions`);
  }
  const result = asRecord(value);
  if (result === undefined) throw invalid('not a mapping');
  const nonFinite = findNonFinite(result, '');
  if (nonFinite !== undefined) throw invalid('.inf or .nan, which JSON cannot hold', nonFinite);
  return result;
}

/** Converts non-string keys as sigs.k8s.io/yaml does; says why when one cannot be. */
function findNonFinite(v: unknown, path: string): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : path;
  const entries = Array.isArray(v)
    ? v.map((item, i): [string, unknown] => [`${path}[${i}]`, item])
    : Object.entries(asRecord(v) ?? {}).map(([k, item]): [string, unknown] => [joinPath(path, k), item]);
  for (const [p, item] of entries) {
    const found = findNonFinite(item, p);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The path of the last scalar that starts at or before a line of the serialized object. */
function fieldAtLine(text: string, line: number): string | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { ...SCHEMA_OPTIONS, lineCounter: lines });
  let best: { line: number; path: string } | undefined;
  const walk = (node: unknown, path: string): void => {
    if (isScalar(node) && node.range) {
      const at = lines.linePos(node.range[0]).line;
      if (at <= line && (best === undefined || at >= best.line)) best = { line: at, path };
    } else if (isMap(node)) {
      for (const pair of node.items) {
        if (isPair(pair))
          walk(pair.value, joinPath(path, String(isScalar(pair.key) ? pair.key.value : pair.key)));
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        walk(item, `${path}[${i}]`);
      });
    }
  };
  walk(doc.contents, '');
  return best?.path;
}

// ---------------------------------------------------------------------------
// Variables

/**
 * Builds the variables of a Kustomization's postBuild: substituteFrom entries in order
 * (a later one overrides an earlier one), then the inline `substitute` map, which wins.
 * Newlines are removed from values, as Flux does.
 */
export async function collectVariables(
  postBuild: PostBuild | undefined,
  read: ReadVariables,
): Promise<Map<string, string>> {
  const vars = new Map<string, string>();
  for (const [i, ref] of (postBuild?.substituteFrom ?? []).entries()) {
    const source = `postBuild.substituteFrom[${i}] (${ref.kind}/${ref.name})`;
    let data: Readonly<Record<string, string>> | undefined;
    try {
      data = await read(ref.kind, ref.name);
    } catch (err) {
      const detail = sanitizeText(err instanceof Error ? err.message : String(err));
      throw new SubstitutionError(
        'SourceUnreadable',
        `${source}: cannot read it: ${detail}`,
        {},
        { cause: err },
      );
    }
    if (data === undefined) {
      if (ref.optional === true) continue;
      throw new SubstitutionError(
        'SourceNotFound',
        `${source} not found in the Kustomization's namespace: create it, or set optional: true to go on without it`,
      );
    }
    for (const [name, value] of Object.entries(data)) vars.set(name, value.replaceAll('\n', ''));
  }
  for (const [name, value] of Object.entries(postBuild?.substitute ?? {}))
    vars.set(name, value.replaceAll('\n', ''));
  return vars;
}
