// Flux post-build variable substitution. The expression dialect is the one of
// fluxcd/pkg/envsubst (a drone/envsubst fork) quirks included, because manifests written
// for Flux must render to the same objects here. The object-level pass follows
// kustomize-controller: serialize, substitute the text, parse back with YAML 1.1 scalars.
// Known differences, on input no real manifest has: a rune cut by a byte offset becomes
// U+FFFD where Go keeps the raw bytes; a lone CR inside a quoted scalar fails here where
// goyaml folds it; the MAX_* bounds; case mapping and letters follow Node's Unicode tables.
import { LineCounter, parseDocument, stringify, isCollection, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Pair, Scalar, ScalarTag, Tags } from 'yaml';
import type { PostBuild } from '../api/kustomize/index.js';
import { sanitizeText } from '../runtime/log/sanitize.js';

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
/** Deeper nesting than this is refused rather than risking the stack. Flux has no bound. */
export const MAX_NESTING = 64;
/** Alias expansions allowed when parsing the substituted YAML (billion-laughs guard). */
export const MAX_ALIAS_COUNT = 100;
/** Characters one substitution may produce: nested `${a//x/${a//x/...}}` grows exponentially. */
export const MAX_RESULT_LENGTH = 16 * 1024 * 1024;
/** Glob steps one substitution may spend on `#`/`%` trims, which are quadratic in the value. */
export const MAX_MATCH_STEPS = 50_000_000;

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
// Scanner: works on UTF-8 bytes, because envsubst's positions, lengths and
// substrings are byte-based.

const EOF = -1;
const [DOLLAR, LBRACE, RBRACE, BACKSLASH, SLASH, COLON, HASH] = [0x24, 0x7b, 0x7d, 0x5c, 0x2f, 0x3a, 0x23];
const [STAR, QUESTION, LBRACKET, RBRACKET, CARET, DASH] = [0x2a, 0x3f, 0x5b, 0x5d, 0x5e, 0x2d];
const code = (c: string): number => c.charCodeAt(0);

type Accept = (cp: number, i: number) => boolean;
interface Mode {
  readonly text?: Accept;
  readonly lbrack?: boolean;
  readonly rbrack?: boolean;
  readonly escapes?: 'dollar' | 'all';
}
type Token =
  { readonly kind: 'eof' | 'lbrack' | 'rbrack' | 'illegal' } | { readonly kind: 'text'; text: string };

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes to text; each invalid byte (a rune cut by a byte offset) becomes one U+FFFD, as in Go. */
function decodeBytes(b: Uint8Array): string {
  try {
    return strictDecoder.decode(b);
  } catch {
    const runes: string[] = [];
    for (let i = 0; i < b.length;) {
      const [cp, width] = decodeRune(b, i);
      runes.push(String.fromCodePoint(cp));
      i += width;
    }
    return runes.join('');
  }
}

/** Decodes the rune at b[i:end] like Go's utf8.DecodeRune: an invalid byte is U+FFFD of width 1. */
function decodeRune(b: Uint8Array, i: number, end = b.length): [number, number] {
  const at = (k: number): number => (i + k < end ? (b[i + k] ?? 0) : 0);
  const b0 = at(0);
  if (b0 < 0x80) return [b0, 1];
  const [b1, b2, b3] = [at(1), at(2), at(3)];
  const tail = (x: number): boolean => (x & 0xc0) === 0x80;
  if (b0 >= 0xc2 && b0 <= 0xdf && tail(b1)) return [((b0 & 0x1f) << 6) | (b1 & 0x3f), 2];
  if (b0 >= 0xe0 && b0 <= 0xef && tail(b1) && tail(b2)) {
    const cp = ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
    if (cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff)) return [cp, 3];
  }
  if (b0 >= 0xf0 && b0 <= 0xf4 && tail(b1) && tail(b2) && tail(b3)) {
    const cp = ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
    if (cp >= 0x10000 && cp <= 0x10ffff) return [cp, 4];
  }
  return [0xfffd, 1];
}

class Scanner {
  pos = 0;
  private width = 0;
  constructor(private readonly buf: Uint8Array) {}

  read(): number {
    if (this.pos >= this.buf.length) {
      this.width = 0;
      return EOF;
    }
    const [cp, width] = decodeRune(this.buf, this.pos);
    this.width = width;
    this.pos += width;
    return cp === 0 ? EOF : cp; // envsubst takes a NUL for the end of input
  }

  /** Steps back over the last rune read, peeked or not, as envsubst does. */
  unread(): void {
    this.pos -= this.width;
  }

  peek(): number {
    const cp = this.read();
    this.unread();
    return cp;
  }

  scan(mode: Mode): Token {
    const start = this.pos;
    const cp = this.read();
    if (cp === EOF) return { kind: 'eof' };
    if (mode.lbrack === true && this.opensExpression(cp)) return { kind: 'lbrack' };
    if (mode.rbrack === true && cp === RBRACE) return { kind: 'rbrack' };
    if (mode.text === undefined) return { kind: 'illegal' };
    return this.scanText(start, cp, mode);
  }

  private opensExpression(cp: number): boolean {
    if (cp !== DOLLAR) return false;
    if (this.read() === LBRACE) return true;
    this.unread();
    return false;
  }

  /** `$$` always, and in replacement arguments `\/` and `\\`, stand for their second character. */
  private isEscape(cp: number, escapes: Mode['escapes']): boolean {
    if (escapes === undefined) return false;
    if (cp === DOLLAR && this.peek() === DOLLAR) return true;
    if (escapes !== 'all' || cp !== BACKSLASH) return false;
    const next = this.peek();
    return next === SLASH || next === BACKSLASH;
  }

  private scanText(start: number, first: number, mode: Mode): Token {
    const accept = mode.text ?? (() => false);
    const parts: Uint8Array[] = [];
    let segment = start;
    let skipped = 0;
    const skip = (): void => {
      // Drop the escape character; the escaped one is taken without asking `accept`.
      parts.push(this.buf.subarray(segment, this.pos - 1));
      segment = this.pos;
      this.pos += 1;
      skipped += 1;
    };
    if (this.isEscape(first, mode.escapes)) skip();
    else if (!accept(first, this.pos - start)) return { kind: 'illegal' };
    const plain = accept === ANY && mode.escapes !== 'all';
    for (;;) {
      // Top-level text: only '$' and NUL mean anything, so skip to the next of either.
      while (plain && this.pos < this.buf.length && this.buf[this.pos] !== DOLLAR && this.buf[this.pos] !== 0)
        this.pos++;
      const before = this.pos;
      const cp = this.read();
      if (cp === EOF) {
        this.unread();
        break;
      }
      if (mode.lbrack === true && this.opensExpression(cp)) {
        this.pos = before;
        break;
      }
      if (this.isEscape(cp, mode.escapes)) {
        skip();
        continue;
      }
      if (!accept(cp, this.pos - start - skipped)) {
        this.pos = before;
        break;
      }
    }
    parts.push(this.buf.subarray(segment, this.pos));
    return { kind: 'text', text: parts.map((p) => decodeBytes(p)).join('') };
  }
}

// ---------------------------------------------------------------------------
// Parser. Operators are the literal characters after the name (":=", "//", "^^", ...);
// the messages are envsubst's.

type Node =
  | { readonly kind: 'text'; readonly value: string }
  | { readonly kind: 'expr'; readonly op: string; readonly name: string; readonly args: readonly Node[] };

class ParseFailure extends Error {
  line = 0;
  column = 0;
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }

  locate(buf: Uint8Array): void {
    const lines = decodeBytes(buf.subarray(0, Math.min(this.offset, buf.length))).split('\n');
    this.line = lines.length;
    this.column = runeCount(lines.at(-1) ?? '') + 1;
  }
}

const BAD = 'bad substitution';
const ANY: Accept = () => true;
const isIdent: Accept = (cp) =>
  cp < 0x80
    ? cp === 0x5f || (cp >= 0x30 && cp <= 0x39) || ((cp | 0x20) >= 0x61 && (cp | 0x20) <= 0x7a)
    : /[\p{L}\p{Nd}]/u.test(String.fromCodePoint(cp));
const notClosing: Accept = (cp) => cp !== RBRACE;
const notSlash: Accept = (cp) => cp !== SLASH;
const notColonOrClosing: Accept = (cp) => cp !== COLON && cp !== RBRACE;
const upTo2 =
  (...chars: string[]): Accept =>
  (cp, i) =>
    i < 3 && chars.some((c) => code(c) === cp);

class Parser {
  private depth = 0;
  /** Where the innermost `${` being parsed starts, to place errors. */
  private start = 0;
  constructor(private readonly s: Scanner) {}

  parseTemplate(): Node[] {
    const nodes: Node[] = [];
    for (;;) {
      const tok = this.s.scan({ text: ANY, lbrack: true, escapes: 'dollar' });
      if (tok.kind === 'eof') return nodes;
      if (tok.kind === 'text') nodes.push({ kind: 'text', value: tok.text });
      else nodes.push(this.parseExpression());
    }
  }

  private fail(message: string): never {
    throw new ParseFailure(message, this.start);
  }

  private word(accept: Accept, error = BAD): string {
    const tok = this.s.scan({ text: accept });
    return tok.kind === 'text' ? tok.text : this.fail(error);
  }

  private parseExpression(): Node {
    const outer = this.start;
    this.start = this.s.pos - 2;
    if (++this.depth > MAX_NESTING)
      throw new LimitExceeded(`expressions are nested deeper than ${MAX_NESTING}`);
    try {
      if (this.s.peek() === HASH) {
        const op = this.word((cp, i) => cp === HASH && i === 1);
        return this.close({ kind: 'expr', op, name: this.word(isIdent), args: [] });
      }
      const name = this.word(isIdent, 'unable to parse variable name');
      const next = this.s.peek();
      if (next === COLON) return this.parseColon(name);
      if (next === code('=')) return this.parseDefault(name);
      if (next === code(',') || next === CARET)
        return this.close({ kind: 'expr', op: this.word(upTo2(',', '^')), name, args: [] });
      if (next === SLASH) return this.parseReplace(name);
      if (next === HASH) return this.parseTrim(name, '#');
      if (next === code('%')) return this.parseTrim(name, '%');
      if (this.s.scan({ rbrack: true }).kind !== 'rbrack') this.fail('missing closing brace');
      return { kind: 'expr', op: '', name, args: [] };
    } finally {
      this.depth--;
      this.start = outer;
    }
  }

  private close(node: Node): Node {
    if (this.s.scan({ rbrack: true }).kind !== 'rbrack') this.fail(BAD);
    return node;
  }

  private param(accept: Accept, escapes?: 'all'): Node {
    const tok = this.s.scan({ text: accept, lbrack: true, ...(escapes && { escapes }) });
    if (tok.kind === 'lbrack') return this.parseExpression();
    if (tok.kind === 'text') return { kind: 'text', value: tok.text };
    return this.fail('unable to parse substitution within function');
  }

  private parseColon(name: string): Node {
    // envsubst steps back by the width of the rune after ':', not of ':' itself;
    // a multi-byte rune there therefore lands mid-name and ends in a bad substitution.
    this.s.read();
    const next = this.s.peek();
    this.s.unread();
    if ([0x3d, 0x2d, 0x3f, 0x2b].includes(next)) return this.parseDefault(name); // = - ? +
    const op = this.word((cp, i) => i === 1 && cp === COLON);
    const args = [this.param(notColonOrClosing)];
    const tok = this.s.scan({ text: (cp) => cp === COLON, rbrack: true });
    if (tok.kind === 'rbrack') return { kind: 'expr', op, name, args };
    if (tok.kind !== 'text') this.fail(BAD);
    args.push(this.param(notClosing));
    return this.close({ kind: 'expr', op, name, args });
  }

  private parseDefault(name: string): Node {
    const accept: Accept =
      this.s.peek() === code('=')
        ? (cp, i) => i === 1 && cp === code('=')
        : (cp, i) => (i === 1 && cp === COLON) || (i === 2 && [0x3d, 0x2d, 0x3f, 0x2b].includes(cp));
    const op = this.word(accept, 'unable to parse default function');
    const args: Node[] = [];
    while (this.s.peek() !== RBRACE) args.push(this.param(notClosing));
    return this.close({ kind: 'expr', op, name, args });
  }

  private parseTrim(name: string, char: '#' | '%'): Node {
    const op = this.word(upTo2(char));
    return this.close({ kind: 'expr', op, name, args: [this.param(notClosing)] });
  }

  private parseReplace(name: string): Node {
    const op = this.word(
      (cp, i) => (i === 1 && cp === SLASH) || (i === 2 && [0x2f, 0x23, 0x25].includes(cp)),
    );
    const args = [
      this.s.peek() === SLASH ? { kind: 'text' as const, value: '' } : this.param(notSlash, 'all'),
    ];
    this.word((cp) => cp === SLASH);
    if (this.s.peek() !== RBRACE) args.push(this.param(notClosing, 'all'));
    return this.close({ kind: 'expr', op, name, args });
  }
}

// ---------------------------------------------------------------------------
// Evaluation. Arguments are evaluated before the variable is looked up, as envsubst does,
// so in strict mode `${a:=${b}}` needs b even when a is set.

type Lookup = (name: string) => string | undefined;
const DEFAULT_OPERATORS = new Set(['-', '+', '=', '?', ':-', ':+', ':=', ':?']);

class UndefinedVariable extends Error {
  constructor(readonly variable: string) {
    super(variable);
  }
}

/** One of the MAX_* bounds was reached. Flux has none; only pathological input gets here. */
class LimitExceeded extends Error {}

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

function isVariableMap(vars: Variables): vars is ReadonlyMap<string, string> {
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
function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
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

/** Throws ParseFailure, UndefinedVariable or LimitExceeded. */
function expand(text: string, vars: Variables, strict: boolean): string {
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

const SCHEMA_OPTIONS = { version: '1.1', schema: 'yaml-1.1', customTags: goTags, merge: true } as const;
/**
 * Flux's text comes from goyaml.v2, which sorts keys; where they land can matter to a
 * substitution. Where goyaml's comparison is not transitive ("1v" < "2v" < "10" < "1v")
 * Flux's own order follows Go's random map iteration, so no order is the right one.
 */
const STRINGIFY_OPTIONS = {
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
function checkKeys(node: unknown): string | undefined {
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
