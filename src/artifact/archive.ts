// Deterministic tar stream of a directory: entries in sorted order with relative
// names, uid/gid 0, no user or group names, zero times and normalized modes, so the
// same tree always gives the same bytes. Only regular files and directories are
// archived; symlinks and special files are skipped and never followed.
import { constants, type Dirent } from 'node:fs';
import { lstat, open, opendir, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { BLOCK_SIZE, encodeHeader, paddingFor, paxRecord, TypeFlag } from './tar-header.js';

export type IgnoreFn = (relPath: string, isDir: boolean) => boolean;

export const ArchiveMode = { dir: 0o750, file: 0o600, executable: 0o700 } as const;

const CHUNK = 64 * 1024;
/** Files at most this big are read whole, several at a time (bounded memory: window x size). */
const SMALL_FILE = 256 * 1024;
const READ_AHEAD = 16;
const MAX_USTAR_SIZE = 0o77777777777;

interface WalkEntry {
  readonly rel: string;
  readonly abs: string;
  readonly isDir: boolean;
}

type Loaded =
  | { readonly kind: 'dir'; readonly rel: string }
  | { readonly kind: 'small'; readonly rel: string; readonly mode: number; readonly data: Buffer }
  | {
      readonly kind: 'large';
      readonly rel: string;
      readonly mode: number;
      readonly size: number;
      readonly fh: FileHandle;
    };

/** Yields the tar stream (uncompressed) of `dir` in chunks of about 64 KiB. */
export async function* tarDirectory(dir: string, ignore?: IgnoreFn): AsyncGenerator<Buffer> {
  // Small files make many tiny blocks; batching them keeps gzip calls (and their
  // thread-pool round trips) per 64 KiB rather than per 512 bytes.
  let pending: Buffer[] = [];
  let size = 0;
  for await (const block of tarBlocks(dir, ignore)) {
    pending.push(block);
    size += block.length;
    if (size >= CHUNK) {
      yield Buffer.concat(pending, size);
      pending = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(pending, size);
}

async function* tarBlocks(dir: string, ignore?: IgnoreFn): AsyncGenerator<Buffer> {
  const root = await lstat(dir);
  if (!root.isDirectory()) throw new Error(`archive source ${dir} is not a directory`);
  const entries: WalkEntry[] = [];
  for await (const entry of walk(dir, '', ignore)) entries.push(entry);
  // Per-file I/O is latency bound, so the next few files are opened and read while
  // the current one is emitted; output order stays the sorted walk order.
  const window: Promise<Loaded>[] = [];
  let next = 0;
  const fill = (): void => {
    while (window.length < READ_AHEAD && next < entries.length) {
      const p = load(entries[next++] as WalkEntry);
      p.catch(() => undefined); // rejections are handled when the entry's turn comes
      window.push(p);
    }
  };
  try {
    fill();
    for (let p = window.shift(); p !== undefined; p = window.shift()) {
      const loaded = await p;
      fill();
      yield* emit(loaded);
    }
    yield Buffer.alloc(BLOCK_SIZE * 2);
  } finally {
    // On failure, close the handles of large files already opened ahead.
    for (const p of window.splice(0)) {
      const loaded = await p.catch(() => undefined);
      if (loaded?.kind === 'large') await loaded.fh.close();
    }
  }
}

async function* walk(abs: string, rel: string, ignore?: IgnoreFn): AsyncGenerator<WalkEntry> {
  const entries: Dirent[] = [];
  for await (const d of await opendir(abs)) entries.push(d);
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  for (const d of entries) {
    // Dirent types come from lstat semantics: a symlink is never a directory here.
    if (!d.isDirectory() && !d.isFile()) continue;
    const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
    const childAbs = path.join(abs, d.name);
    if (ignore?.(childRel, d.isDirectory())) continue;
    yield { rel: childRel, abs: childAbs, isDir: d.isDirectory() };
    if (d.isDirectory()) yield* walk(childAbs, childRel, ignore);
  }
}

async function load(entry: WalkEntry): Promise<Loaded> {
  if (entry.isDir) return { kind: 'dir', rel: entry.rel };
  // O_NOFOLLOW: a file swapped for a symlink after the walk is refused, not followed.
  const fh = await open(entry.abs, constants.O_RDONLY | constants.O_NOFOLLOW);
  let keepOpen = false;
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`${entry.rel} is not a regular file`);
    const mode = st.mode & 0o111 ? ArchiveMode.executable : ArchiveMode.file;
    if (st.size > SMALL_FILE) {
      keepOpen = true;
      return { kind: 'large', rel: entry.rel, mode, size: st.size, fh };
    }
    // One byte more than expected tells a file that grew from one that did not.
    const buf = Buffer.alloc(st.size + 1);
    let got = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got === buf.length) break;
    }
    if (got !== st.size) throw new Error(`${entry.rel} changed size while being archived`);
    return { kind: 'small', rel: entry.rel, mode, data: buf.subarray(0, got) };
  } finally {
    if (!keepOpen) await fh.close();
  }
}

async function* emit(loaded: Loaded): AsyncGenerator<Buffer> {
  if (loaded.kind === 'dir') {
    yield* headerBlocks(loaded.rel + '/', ArchiveMode.dir, 0, TypeFlag.directory);
    return;
  }
  if (loaded.kind === 'small') {
    yield* headerBlocks(loaded.rel, loaded.mode, loaded.data.length, TypeFlag.file);
    if (loaded.data.length > 0) yield loaded.data;
  } else {
    try {
      yield* headerBlocks(loaded.rel, loaded.mode, loaded.size, TypeFlag.file);
      yield* streamFile(loaded.fh, loaded.rel, loaded.size);
    } finally {
      await loaded.fh.close();
    }
  }
  const size = loaded.kind === 'small' ? loaded.data.length : loaded.size;
  const pad = paddingFor(size);
  if (pad > 0) yield Buffer.alloc(pad);
}

async function* streamFile(fh: FileHandle, rel: string, size: number): AsyncGenerator<Buffer> {
  let offset = 0;
  while (offset < size) {
    const buf = Buffer.alloc(Math.min(CHUNK, size - offset));
    const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
    if (bytesRead === 0) throw new Error(`${rel} shrank while being archived`);
    offset += bytesRead;
    yield buf.subarray(0, bytesRead);
  }
  const extra = await fh.read(Buffer.alloc(1), 0, 1, size);
  if (extra.bytesRead !== 0) throw new Error(`${rel} grew while being archived`);
}

function* headerBlocks(name: string, mode: number, size: number, typeflag: string): Generator<Buffer> {
  const ascii = /^[\x20-\x7e]*$/.test(name);
  const records: Buffer[] = [];
  if (!ascii || Buffer.byteLength(name) > 100) records.push(paxRecord('path', name));
  if (size > MAX_USTAR_SIZE) records.push(paxRecord('size', String(size)));
  if (records.length > 0) {
    const body = Buffer.concat(records);
    yield encodeHeader({ name: 'PaxHeader', mode: 0o600, size: body.length, typeflag: TypeFlag.paxHeader });
    yield body;
    const pad = paddingFor(body.length);
    if (pad > 0) yield Buffer.alloc(pad);
  }
  const shortName = ascii ? name.slice(0, 100) : name.replace(/[^\x20-\x7e]/g, '_').slice(0, 100);
  yield encodeHeader({ name: shortName, mode, size: Math.min(size, MAX_USTAR_SIZE), typeflag });
}
