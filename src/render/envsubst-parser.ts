// The syntax half of the envsubst engine (see envsubst.ts): UTF-8 byte decoding, the
// scanner and the parser of fluxcd/pkg/envsubst's `${...}` expressions, and their errors.

/** Deeper nesting than this is refused rather than risking the stack. Flux has no bound. */
export const MAX_NESTING = 64;

// ---------------------------------------------------------------------------
// Scanner: works on UTF-8 bytes, because envsubst's positions, lengths and
// substrings are byte-based.

const EOF = -1;
export const [DOLLAR, LBRACE, RBRACE, BACKSLASH, SLASH, COLON, HASH] = [
  0x24, 0x7b, 0x7d, 0x5c, 0x2f, 0x3a, 0x23,
];
export const [STAR, QUESTION, LBRACKET, RBRACKET, CARET, DASH] = [0x2a, 0x3f, 0x5b, 0x5d, 0x5e, 0x2d];
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

export const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes to text; each invalid byte (a rune cut by a byte offset) becomes one U+FFFD, as in Go. */
export function decodeBytes(b: Uint8Array): string {
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
export function decodeRune(b: Uint8Array, i: number, end = b.length): [number, number] {
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

export class Scanner {
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

export type Node =
  | { readonly kind: 'text'; readonly value: string }
  | { readonly kind: 'expr'; readonly op: string; readonly name: string; readonly args: readonly Node[] };

export class ParseFailure extends Error {
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

export class Parser {
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

/** One of the MAX_* bounds was reached. Flux has none; only pathological input gets here. */
export class LimitExceeded extends Error {}

export function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
