// goyaml.v2 as kustomize-controller uses it (through sigs.k8s.io/yaml), for object
// substitution: the YAML 1.1 schema with Go's scalar resolution, goyaml's key order, and
// the conversion of non-string keys to JSON strings.
import { isCollection, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Pair, Scalar, ScalarTag, Tags } from 'yaml';

// goyaml.v2 (behind sigs.k8s.io/yaml, which Flux parses the result with) resolves plain
// scalars with YAML 1.1 booleans and nulls, Go-syntax integers and floats, and keeps
// timestamps and sexagesimal numbers as strings. The same schema serializes, so a string
// that would read back as another type is quoted.
const goNumber: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  default: true,
  test: /^[-+.0-9][-+._0-9A-Za-z]*$/,
  identify: (value) => typeof value === 'number',
  resolve: (source) => resolveGoNumber(source) ?? source,
  stringify: ({ value }) => {
    if (typeof value !== 'number') return String(value);
    if (Number.isNaN(value)) return '.nan';
    if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
    return String(value);
  },
};

function goTags(tags: Tags): Tags {
  const kept = tags.filter((t) => {
    const tag = typeof t === 'string' ? t : t.tag;
    if (tag.endsWith(':timestamp') || tag.endsWith(':int')) return false;
    return !tag.endsWith(':float') || (typeof t !== 'string' && 'test' in t && t.test?.test('.nan') === true);
  });
  return [...kept, goNumber];
}

const GO_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
/** strconv.ParseInt(s, 0, 64) syntax: 0x, 0o, 0b, a leading 0 for octal, else decimal. */
const GO_INT = /^([-+]?)(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|0([0-7]*)|([1-9][0-9]*))$/;

/** strconv.ParseInt(s, 0, 64), else ParseUint(s, 0, 64): the value, or undefined when out of range. */
function goInteger(m: RegExpExecArray): bigint | undefined {
  const [, sign, hex, oct, bin, zeroOct, dec] = m;
  const octal = oct ?? zeroOct ?? '';
  const literal =
    hex !== undefined ? `0x${hex}` : bin !== undefined ? `0b${bin}` : (dec ?? `0o${octal || '0'}`);
  const n = (sign === '-' ? -1n : 1n) * BigInt(literal);
  const fitsInt64 = n >= -0x8000000000000000n && n <= 0x7fffffffffffffffn;
  return fitsInt64 || (sign === '' && n <= 0xffffffffffffffffn) ? n : undefined;
}

/** goyaml.v2's resolution of a plain scalar to a number, or undefined for a string. */
export function resolveGoNumber(source: string): number | undefined {
  if (source.startsWith('.')) {
    const f = /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/.test(source) ? Number(source) : NaN;
    return Number.isFinite(f) ? f : undefined;
  }
  if (!/^[-+0-9]/.test(source)) return undefined;
  const plain = source.replaceAll('_', '');
  const m = GO_INT.exec(plain);
  const n = m === null ? undefined : goInteger(m);
  if (n !== undefined) return Number(n);
  if (GO_FLOAT.test(plain)) {
    const f = Number(plain);
    if (Number.isFinite(f)) return f;
  }
  return undefined;
}

export const SCHEMA_OPTIONS = {
  version: '1.1',
  schema: 'yaml-1.1',
  customTags: goTags,
  merge: true,
} as const;
/**
 * Flux's text comes from goyaml.v2, which sorts keys; where they land can matter to a
 * substitution. Where goyaml's comparison is not transitive ("1v" < "2v" < "10" < "1v")
 * Flux's own order follows Go's random map iteration, so no order is the right one.
 */
export const STRINGIFY_OPTIONS = {
  ...SCHEMA_OPTIONS,
  sortMapEntries: (a: Pair, b: Pair) => goKeyCompare(keyText(a), keyText(b)),
  lineWidth: 0,
  minContentWidth: 0,
  singleQuote: true,
  aliasDuplicateObjects: false,
} as const;

const keyText = (pair: Pair): string => String(isScalar(pair.key) ? pair.key.value : pair.key);

const isLetter = (cp: number): boolean => /\p{L}/u.test(String.fromCodePoint(cp));
const isDigit = (cp: number): boolean => /\p{Nd}/u.test(String.fromCodePoint(cp));

/**
 * goyaml.v2's key order (Flux serializes through it): letters by code point and after
 * other characters, digit runs by value.
 */
export function goKeyCompare(x: string, y: string): number {
  const a = Array.from(x, (c) => c.codePointAt(0) ?? 0);
  const b = Array.from(y, (c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < a.length && i < b.length; i++) {
    const [ai, bi] = [a[i] ?? 0, b[i] ?? 0];
    if (ai === bi) continue;
    const [al, bl] = [isLetter(ai), isLetter(bi)];
    if (al && bl) return ai - bi;
    if (al || bl) return bl ? -1 : 1;
    const byValue = compareDigitRuns(a, b, i);
    if (byValue !== 0) return byValue;
    return ai - bi;
  }
  return a.length - b.length;
}

/** Compares the digit runs starting at i (a non-zero digit before them counts as a leading 1). */
function compareDigitRuns(a: readonly number[], b: readonly number[], i: number): number {
  let [an, bn] = [0, 0];
  if (a[i] === 0x30 || b[i] === 0x30) {
    for (let j = i - 1; j >= 0 && isDigit(a[j] ?? 0); j--) {
      if (a[j] !== 0x30) {
        [an, bn] = [1, 1];
        break;
      }
    }
  }
  let [ae, be] = [i, i];
  for (; ae < a.length && isDigit(a[ae] ?? 0); ae++) an = an * 10 + (a[ae] ?? 0) - 0x30;
  for (; be < b.length && isDigit(b[be] ?? 0); be++) bn = bn * 10 + (b[be] ?? 0) - 0x30;
  return an !== bn ? an - bn : ae - be;
}

export function checkKeys(node: unknown): string | undefined {
  const items: readonly unknown[] = isSeq(node) || isMap(node) ? node.items : [];
  for (const item of items) {
    if (!isPair(item)) {
      const bad = checkKeys(item);
      if (bad !== undefined) return bad;
      continue;
    }
    const { key, value } = item;
    const bad = isCollection(key) ? 'a key is a collection' : isScalar(key) ? jsonKey(key) : undefined;
    const found = bad ?? checkKeys(value);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Turns a scalar key into the string sigs.k8s.io/yaml makes of it (ints in decimal, floats
 * in Go's 32-bit %g, .inf/.nan), or says why it has none (null, beyond int64).
 */
function jsonKey(key: Scalar): string | undefined {
  if (key.value === null) return 'a key is null';
  if (typeof key.value !== 'number') return undefined;
  const m = GO_INT.exec((key.source ?? '').replaceAll('_', ''));
  const n = m === null ? undefined : goInteger(m);
  if (n !== undefined && n > 0x7fffffffffffffffn) return 'a key is an integer beyond int64';
  key.value = n === undefined ? formatGoFloat32(key.value) : n.toString();
  return undefined;
}

function formatGoFloat32(v: number): string {
  const f = Math.fround(v);
  if (Number.isNaN(f)) return '.nan';
  if (!Number.isFinite(f)) return f > 0 ? '.inf' : '-.inf';
  let shortest = f;
  for (let p = 1; p <= 9; p++) {
    shortest = Number(f.toPrecision(p));
    if (Math.fround(shortest) === f) break;
  }
  const [mantissa = '', exp = '0'] = shortest.toExponential().split('e');
  const e = Number(exp);
  if (e >= -4 && e < 6) return String(shortest);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}
