// The tar block format (POSIX ustar plus pax extended headers), encoded and decoded
// by hand so that both the deterministic writer and the hardened reader control
// every byte rather than trusting an archive library's defaults.

export const BLOCK_SIZE = 512;

/** Tar typeflags this package names; anything else is "unknown". */
export const TypeFlag = {
  file: '0',
  fileOld: '\0',
  hardLink: '1',
  symlink: '2',
  charDevice: '3',
  blockDevice: '4',
  directory: '5',
  fifo: '6',
  contiguous: '7',
  paxHeader: 'x',
  paxGlobal: 'g',
  gnuLongName: 'L',
  gnuLongLink: 'K',
} as const;

export interface HeaderFields {
  readonly name: string;
  readonly mode: number;
  readonly size: number;
  readonly typeflag: string;
  readonly linkname?: string;
  readonly mtime?: number;
  readonly uid?: number;
  readonly gid?: number;
}

export interface DecodedHeader {
  readonly name: string;
  readonly mode: number;
  /** Declared size; may exceed Number.MAX_SAFE_INTEGER (then it is Infinity). */
  readonly size: number;
  readonly typeflag: string;
  readonly linkname: string;
}

/** Encodes one 512-byte header. Fields that do not fit are the caller's problem (use pax). */
export function encodeHeader(h: HeaderFields): Buffer {
  const b = Buffer.alloc(BLOCK_SIZE);
  writeString(b, 0, 100, h.name);
  writeOctal(b, 100, 8, h.mode);
  writeOctal(b, 108, 8, h.uid ?? 0);
  writeOctal(b, 116, 8, h.gid ?? 0);
  writeOctal(b, 124, 12, h.size);
  writeOctal(b, 136, 12, h.mtime ?? 0);
  b.write(h.typeflag.slice(0, 1), 156, 'latin1');
  writeString(b, 157, 100, h.linkname ?? '');
  b.write('ustar\u000000', 257, 'latin1');
  writeOctal(b, 329, 8, 0);
  writeOctal(b, 337, 8, 0);
  b.write('        ', 148, 'latin1');
  const sum = checksum(b);
  b.write(sum.toString(8).padStart(6, '0') + '\u0000 ', 148, 'latin1');
  return b;
}

/** One pax record: "<len> <key>=<value>\n" where len counts the whole record. */
export function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  let len = bodyLen + String(bodyLen).length;
  if (String(len).length + bodyLen !== len) len = bodyLen + String(len).length;
  return Buffer.from(`${len}${body}`);
}

/** Parses pax records; a malformed record throws. */
export function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break;
    const space = data.indexOf(0x20, pos);
    if (space < 0 || space - pos > 20) throw new Error('malformed pax record');
    const len = Number(data.toString('latin1', pos, space));
    if (!Number.isInteger(len) || len <= space - pos + 1 || pos + len > data.length)
      throw new Error('malformed pax record length');
    const record = data.subarray(space + 1, pos + len);
    if (record[record.length - 1] !== 0x0a) throw new Error('malformed pax record terminator');
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw new Error('malformed pax record key');
    out.set(record.toString('utf8', 0, eq), record.toString('utf8', eq + 1, record.length - 1));
    pos += len;
  }
  return out;
}

export function isZeroBlock(b: Buffer): boolean {
  for (const byte of b) if (byte !== 0) return false;
  return true;
}

/** Decodes a header block, verifying its checksum; throws on a corrupt block. */
export function decodeHeader(b: Buffer): DecodedHeader {
  if (b.length !== BLOCK_SIZE) throw new Error('short tar header');
  const stored = parseNumeric(b.subarray(148, 156));
  const copy = Buffer.from(b);
  copy.write('        ', 148, 'latin1');
  if (stored !== checksum(copy) && stored !== signedChecksum(copy))
    throw new Error('invalid tar header checksum');
  const magic = b.toString('latin1', 257, 263);
  let name = readString(b, 0, 100);
  // Only POSIX ustar has a prefix field; GNU tar keeps times in the same bytes.
  if (magic === 'ustar\u0000') {
    const prefix = readString(b, 345, 155);
    if (prefix !== '') name = `${prefix}/${name}`;
  }
  return {
    name,
    mode: parseNumeric(b.subarray(100, 108)),
    size: parseNumeric(b.subarray(124, 136)),
    typeflag: String.fromCharCode(b[156] ?? 0),
    linkname: readString(b, 157, 100),
  };
}

export function paddingFor(size: number): number {
  const rest = size % BLOCK_SIZE;
  return rest === 0 ? 0 : BLOCK_SIZE - rest;
}

function checksum(b: Buffer): number {
  let sum = 0;
  for (const byte of b) sum += byte;
  return sum;
}

function signedChecksum(b: Buffer): number {
  let sum = 0;
  for (const byte of b) sum += byte > 127 ? byte - 256 : byte;
  return sum;
}

function writeString(b: Buffer, offset: number, width: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  bytes.copy(b, offset, 0, Math.min(bytes.length, width));
}

function writeOctal(b: Buffer, offset: number, width: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`tar field overflow: ${value}`);
  b.write(digits.padStart(width - 1, '0') + '\u0000', offset, 'latin1');
}

function readString(b: Buffer, offset: number, width: number): string {
  const field = b.subarray(offset, offset + width);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? width : nul).toString('utf8');
}

/** Octal (NUL/space padded) or GNU base-256 numbers; negative or garbage throws. */
function parseNumeric(field: Buffer): number {
  const first = field[0] ?? 0;
  if (first & 0x80) {
    if (first === 0xff) throw new Error('negative numeric field in tar header');
    let n = BigInt(first & 0x7f);
    for (const byte of field.subarray(1)) n = (n << 8n) | BigInt(byte);
    return n > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(n);
  }
  const text = field
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new Error('invalid numeric field in tar header');
  const n = parseInt(text, 8);
  return n > Number.MAX_SAFE_INTEGER ? Infinity : n;
}
