// The expression engine of Flux's post-build substitution, fluxcd/pkg/envsubst's dialect:
// `expand` parses a text (envsubst-parser.ts) and evaluates its `${...}` expressions,
// including the `#`/`%` trims and envsubst's glob behind them.
import {
  BACKSLASH,
  CARET,
  DASH,
  decodeBytes,
  decodeRune,
  encoder,
  LBRACKET,
  LimitExceeded,
  type Node,
  ParseFailure,
  Parser,
  QUESTION,
  RBRACKET,
  runeCount,
  Scanner,
  STAR,
} from './envsubst-parser.js';
import type { Variables } from './substitute.js';

export { LimitExceeded, MAX_NESTING, ParseFailure } from './envsubst-parser.js';

/** Characters one substitution may produce: nested `${a//x/${a//x/...}}` grows exponentially. */
export const MAX_RESULT_LENGTH = 16 * 1024 * 1024;
/** Glob steps one substitution may spend on `#`/`%` trims, which are quadratic in the value. */
export const MAX_MATCH_STEPS = 50_000_000;

/** Throws ParseFailure, UndefinedVariable or LimitExceeded. */
export function expand(text: string, vars: Variables, strict: boolean): string {
  const buf = encoder.encode(text);
  let nodes: Node[];
  try {
    nodes = new Parser(new Scanner(buf)).parseTemplate();
  } catch (err) {
    if (err instanceof ParseFailure) err.locate(buf);
    throw err;
  }
  const lookup = lookupIn(vars);
  const work = new Work();
  let total = 0;
  const parts = nodes.map((node) => {
    const part = evaluate(node, lookup, strict, work);
    checkLength((total += part.length));
    return part;
  });
  return parts.join('');
}

// ---------------------------------------------------------------------------
// Evaluation. Arguments are evaluated before the variable is looked up, as envsubst does,
// so in strict mode `${a:=${b}}` needs b even when a is set.

type Lookup = (name: string) => string | undefined;
const DEFAULT_OPERATORS = new Set(['-', '+', '=', '?', ':-', ':+', ':=', ':?']);

export class UndefinedVariable extends Error {
  constructor(readonly variable: string) {
    super(variable);
  }
}

/** The cost spent so far by one substitution. */
class Work {
  private steps = 0;
  spend(steps: number): void {
    this.steps += steps;
    if (this.steps > MAX_MATCH_STEPS)
      throw new LimitExceeded(`a # or % pattern needs more than ${MAX_MATCH_STEPS} steps to match`);
  }
}

function checkLength(length: number): void {
  if (length > MAX_RESULT_LENGTH)
    throw new LimitExceeded(`the result would be longer than ${MAX_RESULT_LENGTH} characters`);
}

export function isVariableMap(vars: Variables): vars is ReadonlyMap<string, string> {
  return vars instanceof Map;
}

function lookupIn(vars: Variables): Lookup {
  if (isVariableMap(vars)) return (name) => vars.get(name);
  return (name) => (Object.hasOwn(vars, name) ? vars[name] : undefined);
}

function evaluate(node: Node, lookup: Lookup, strict: boolean, work: Work): string {
  if (node.kind === 'text') return node.value;
  const args = node.args.map((arg) => evaluate(arg, lookup, strict, work));
  const value = lookup(node.name);
  if (value === undefined && strict && !DEFAULT_OPERATORS.has(node.op))
    throw new UndefinedVariable(node.name);
  const result = applyOperator(node.op, value ?? '', args, work);
  checkLength(result.length);
  return result;
}

function applyOperator(op: string, v: string, args: readonly string[], work: Work): string {
  const [a0 = '', a1 = ''] = args;
  switch (op) {
    case ',':
      return mapFirst(v, 'lower');
    case ',,':
      return mapRunes(v, 'lower');
    case '^':
      return mapFirst(v, 'upper');
    case '^^':
      return mapRunes(v, 'upper');
    case '#':
      return args.length === 0 ? String(encoder.encode(v).length) : trimPrefix(v, a0, 'shortest', work);
    case '##':
      return trimPrefix(v, a0, 'longest', work);
    case '%':
      return trimSuffix(v, a0, 'shortest', work);
    case '%%':
      return trimSuffix(v, a0, 'longest', work);
    case ':':
      return substring(v, args);
    case '/#':
      return args.length === 2 && v.startsWith(a0) ? a1 + v.slice(a0.length) : v;
    case '/%':
      return args.length === 2 && v.endsWith(a0) ? v.slice(0, v.length - a0.length) + a1 : v;
    case '/':
      return replace(v, a0, a1, false);
    case '//':
      return replace(v, a0, a1, true);
    default:
      return v === '' && args.length > 0 ? args.join('') : v;
  }
}

/** Go's unicode.ToUpper/ToLower: one rune to one rune, so 'ß' stays and 'İ' lowers to 'i'. */
function mapRune(ch: string, to: 'upper' | 'lower'): string {
  if (to === 'lower' && ch === '\u0130') return 'i';
  const cp = ch.codePointAt(0) ?? 0;
  // Greek with ypogegrammeni: the full mapping is two runes, the simple one the titlecase form.
  if (
    to === 'upper' &&
    ((cp >= 0x1f80 && cp <= 0x1faf && (cp & 0xf) < 8) || [0x1fb3, 0x1fc3, 0x1ff3].includes(cp))
  )
    return String.fromCodePoint(cp >= 0x1fb0 ? cp + 9 : cp + 8);
  const mapped = to === 'upper' ? ch.toUpperCase() : ch.toLowerCase();
  return runeCount(mapped) === 1 ? mapped : ch;
}
function mapRunes(v: string, to: 'upper' | 'lower'): string {
  return Array.from(v, (ch) => mapRune(ch, to)).join('');
}
function mapFirst(v: string, to: 'upper' | 'lower'): string {
  const first = v.codePointAt(0);
  if (first === undefined) return v;
  const ch = String.fromCodePoint(first);
  return mapRune(ch, to) + v.slice(ch.length);
}

function replace(v: string, pattern: string, replacement: string, all: boolean): string {
  if (pattern === '') {
    // Go inserts the replacement before every rune and at the end (or once at the start).
    if (!all) return replacement + v;
    checkLength(v.length + (runeCount(v) + 1) * replacement.length);
    return replacement + Array.from(v, (ch) => ch + replacement).join('');
  }
  if (all) {
    const pieces = v.split(pattern);
    checkLength(v.length + (pieces.length - 1) * (replacement.length - pattern.length));
    return pieces.join(replacement);
  }
  const at = v.indexOf(pattern);
  return at < 0 ? v : v.slice(0, at) + replacement + v.slice(at + pattern.length);
}

/** strconv.Atoi: an optional sign and decimal digits within int64. */
function atoi(s: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n > 0x7fffffffffffffffn || n < -0x8000000000000000n ? undefined : Number(n);
}

/** ${v:pos} and ${v:pos:len}, on bytes; an unparsable number leaves the value whole. */
function substring(v: string, args: readonly string[]): string {
  const b = encoder.encode(v);
  const slice = (from: number, to = b.length): string => decodeBytes(b.subarray(from, to));
  let pos = atoi(args[0] ?? '');
  if (pos === undefined) return v;
  if (pos < 0) pos = Math.max(0, b.length + pos);
  if (args.length === 1) return pos < b.length ? slice(pos) : '';
  const length = atoi(args[1] ?? '');
  if (length === undefined) return v;
  if (length < 0) {
    const end = b.length + length;
    return end < pos ? '' : slice(pos, end);
  }
  if (pos + length >= b.length) return pos < b.length ? slice(pos) : '';
  return slice(pos, pos + length);
}

function trimPrefix(v: string, pattern: string, which: Which, work: Work): string {
  const b = encoder.encode(v);
  const cut = matchedPrefixLength(b, encoder.encode(pattern), which, work);
  return cut === 0 ? v : decodeBytes(b.subarray(cut));
}

/** Suffixes are trimmed as prefixes of the rune-reversed value and pattern, as envsubst does. */
function trimSuffix(v: string, pattern: string, which: Which, work: Work): string {
  const rv = reverseRunes(encoder.encode(v));
  const cut = matchedPrefixLength(
    encoder.encode(rv),
    encoder.encode(reverseRunes(encoder.encode(pattern))),
    which,
    work,
  );
  return cut === 0 ? v : reverseRunes(encoder.encode(rv).subarray(cut));
}

function reverseRunes(b: Uint8Array): string {
  const runes: string[] = [];
  for (let i = 0; i < b.length;) {
    const [cp, width] = decodeRune(b, i);
    runes.push(String.fromCodePoint(cp));
    i += width;
  }
  return runes.reverse().join('');
}

type Which = 'shortest' | 'longest';

/**
 * Byte length of the shortest or longest non-empty prefix the pattern matches; 0 for none.
 * envsubst tries every prefix, longest first, and gives up on the first bad-pattern error.
 * For a well-formed pattern no error can happen, so the same answer comes from stopping at
 * the first match in the right direction, and from skipping prefixes that do not end with
 * the pattern's literal tail.
 */
function matchedPrefixLength(b: Uint8Array, pattern: Uint8Array, which: Which, work: Work): number {
  if (!isWellFormed(pattern)) {
    let found = 0;
    for (let len = b.length; len > 0; len--) {
      const m = globMatch(pattern, b, len, work);
      if (m === BAD_PATTERN) return 0;
      if (m && which === 'longest') return len;
      if (m) found = len;
    }
    return found;
  }
  const tail = literalTail(pattern);
  const endsWithTail = (len: number): boolean =>
    len >= tail.length && tail.every((byte, i) => b[len - tail.length + i] === byte);
  const [from, to, step] = which === 'shortest' ? [1, b.length + 1, 1] : [b.length, 0, -1];
  for (let len = from; len !== to; len += step) {
    if (endsWithTail(len) && globMatch(pattern, b, len, work) === true) return len;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// envsubst's glob: path.Match without the special '/', `[^...]` for negation, and no
// backtracking beyond the last star (so some bash matches are missed, as in Flux).

const BAD_PATTERN = 'bad';
const NO = -1;
const ERR = -2;

/** Matches the pattern against name[0:end]. */
function globMatch(p: Uint8Array, name: Uint8Array, end: number, work: Work): boolean | typeof BAD_PATTERN {
  let pi = 0;
  let ni = 0;
  chunks: while (pi < p.length) {
    let star = false;
    while (p[pi] === STAR) {
      pi++;
      star = true;
    }
    const chunkStop = chunkEnd(p, pi);
    const chunk = p.subarray(pi, chunkStop);
    pi = chunkStop;
    if (star && chunk.length === 0) return true;
    const rest = matchChunk(chunk, name, ni, end, work);
    if (rest >= 0 && (rest === end || pi < p.length)) {
      ni = rest;
      continue;
    }
    if (rest === ERR) return BAD_PATTERN;
    if (star) {
      for (let i = ni + 1; i <= end; i++) {
        const r = matchChunk(chunk, name, i, end, work);
        if (r >= 0) {
          if (pi === p.length && r !== end) continue;
          ni = r;
          continue chunks;
        }
        if (r === ERR) return BAD_PATTERN;
      }
    }
    return false;
  }
  return ni === end;
}

function chunkEnd(p: Uint8Array, from: number): number {
  let inRange = false;
  let i = from;
  for (; i < p.length; i++) {
    const c = p[i];
    if (c === BACKSLASH && i + 1 < p.length) i++;
    else if (c === LBRACKET) inRange = true;
    else if (c === RBRACKET) inRange = false;
    else if (c === STAR && !inRange) break;
  }
  return i;
}

/** Matches one chunk at name[at:end]: the index after the match, NO, or ERR for a bad pattern. */
function matchChunk(chunk: Uint8Array, name: Uint8Array, at: number, end: number, work: Work): number {
  work.spend(chunk.length);
  let c = 0;
  let n = at;
  while (c < chunk.length) {
    if (n >= end) return NO;
    const pc = chunk[c];
    if (pc === LBRACKET) {
      const [r, width] = decodeRune(name, n, end);
      n += width;
      c++;
      const negated = chunk[c] === CARET;
      if (negated) c++;
      let matched = false;
      for (let ranges = 0; ; ranges++) {
        if (chunk[c] === RBRACKET && ranges > 0) {
          c++;
          break;
        }
        const lo = classRune(chunk, c);
        if (lo === undefined) return ERR;
        let [hi] = lo;
        c = lo[1];
        if (chunk[c] === DASH) {
          const upper = classRune(chunk, c + 1);
          if (upper === undefined) return ERR;
          [hi, c] = upper;
        }
        if (lo[0] <= r && r <= hi) matched = true;
      }
      if (matched === negated) return NO;
    } else if (pc === QUESTION) {
      n += decodeRune(name, n, end)[1];
      c++;
    } else {
      if (pc === BACKSLASH && ++c >= chunk.length) return ERR;
      if (chunk[c] !== name[n]) return NO;
      c++;
      n++;
    }
  }
  return n;
}

/** True when no name can make matchChunk report a bad pattern. */
function isWellFormed(p: Uint8Array): boolean {
  for (let pi = 0; pi < p.length;) {
    while (p[pi] === STAR) pi++;
    const stop = chunkEnd(p, pi);
    for (let c = pi; c < stop;) {
      if (p[c] === BACKSLASH) {
        if (c + 1 >= stop) return false;
        c += 2;
      } else if (p[c] === LBRACKET) {
        c++;
        if (p[c] === CARET) c++;
        for (let ranges = 0; ; ranges++) {
          if (c < stop && p[c] === RBRACKET && ranges > 0) break;
          const chunk = p.subarray(0, stop);
          const lo = classRune(chunk, c);
          if (lo === undefined) return false;
          c = lo[1];
          if (p[c] === DASH) {
            const hi = classRune(chunk, c + 1);
            if (hi === undefined) return false;
            c = hi[1];
          }
        }
        c++;
      } else c++;
    }
    pi = stop;
  }
  return true;
}

/** The bytes every match must end with: the last chunk when it is plain literal text. */
function literalTail(p: Uint8Array): Uint8Array {
  let start = 0;
  for (let pi = 0; pi < p.length;) {
    while (p[pi] === STAR) pi++;
    start = pi;
    pi = chunkEnd(p, pi);
  }
  const tail = p.subarray(start);
  const special = [STAR, QUESTION, LBRACKET, BACKSLASH];
  return tail.some((byte) => special.includes(byte)) ? new Uint8Array() : tail;
}

/** A rune inside [...]: [rune, next index], or undefined for a bad pattern. */
function classRune(chunk: Uint8Array, at: number): [number, number] | undefined {
  let i = at;
  const c = chunk[i];
  if (c === undefined || c === DASH || c === RBRACKET) return undefined;
  if (c === BACKSLASH && ++i >= chunk.length) return undefined;
  const [r, width] = decodeRune(chunk, i);
  const next = i + width;
  if ((r === 0xfffd && width === 1) || next >= chunk.length) return undefined;
  return [r, next];
}
