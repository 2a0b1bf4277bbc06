// Hardened tar.gz extraction, modelled on fluxcd/pkg/tar and written without an
// archive library: only regular files and directories, every name checked, declared
// and written bytes both capped, entry count and depth bounded, files created with
// O_EXCL|O_NOFOLLOW under directories this function created or verified, and the
// stream read through bounded buffers so a gzip bomb cannot grow memory.
import { constants } from 'node:fs';
import { lstat, mkdir, open, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ByteReader, TruncatedInputError } from './byte-reader.js';
import { entryComponents, entryKind, quote, UntarError } from './tar-entry.js';
import {
  BLOCK_SIZE,
  decodeHeader,
  isZeroBlock,
  paddingFor,
  parsePax,
  TypeFlag,
  type DecodedHeader,
} from './tar-header.js';

export { UntarError };

export interface UntarOptions {
  /** Cap on the bytes the archive may declare and write (Flux: 100 MiB). */
  readonly maxBytes: number;
  /** Cap on files plus directories created. */
  readonly maxEntries?: number;
  /** Cap on path components of one entry. */
  readonly maxDepth?: number;
  readonly signal?: AbortSignal;
}

export const DEFAULT_MAX_UNTAR_BYTES = 100 * 1024 * 1024;
export const DEFAULT_MAX_ENTRIES = 100_000;
export const DEFAULT_MAX_DEPTH = 256;
const MAX_META_BYTES = 1024 * 1024;
const MAX_META_RUN = 8;
const COPY_CHUNK = 64 * 1024;
/** Entries up to this size are buffered whole and written concurrently. */
const SMALL_FILE = 64 * 1024;
const MAX_INFLIGHT = 8;

interface Limits {
  readonly maxBytes: number;
  readonly maxEntries: number;
  readonly maxDepth: number;
  readonly signal?: AbortSignal;
}

interface Pending {
  path?: string;
  size?: number;
}

/** Extracts a tar.gz stream into dest (created if missing). The stream is consumed and destroyed. */
export async function untar(stream: Readable, dest: string, opts: UntarOptions): Promise<void> {
  const limits: Limits = {
    maxBytes: opts.maxBytes,
    maxEntries: opts.maxEntries ?? DEFAULT_MAX_ENTRIES,
    maxDepth: opts.maxDepth ?? DEFAULT_MAX_DEPTH,
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
  };
  await mkdir(dest, { recursive: true, mode: 0o750 });
  const root = await realpath(dest);
  const gunzip = createGunzip({ chunkSize: COPY_CHUNK });
  const forward = (err: Error): void => {
    gunzip.destroy(err);
  };
  stream.once('error', forward);
  stream.pipe(gunzip);
  try {
    await new Extractor(new ByteReader(gunzip[Symbol.asyncIterator]()), root, limits).run();
  } catch (err) {
    if (err instanceof UntarError || opts.signal?.aborted === true) throw err;
    if (err instanceof TruncatedInputError) throw new UntarError(`truncated archive: ${err.message}`);
    throw new UntarError(`extraction failed: ${(err as Error).message}`, undefined, { cause: err });
  } finally {
    stream.off('error', forward);
    stream.unpipe(gunzip);
    gunzip.destroy();
    stream.destroy();
  }
}

class Extractor {
  private declared = 0;
  private written = 0;
  private created = 0;
  private readonly knownDirs = new Set<string>(['']);
  private readonly inflight = new Set<Promise<void>>();
  private failure: Error | undefined;

  constructor(
    private readonly reader: ByteReader,
    private readonly root: string,
    private readonly limits: Limits,
  ) {}

  async run(): Promise<void> {
    try {
      await this.readEntries();
    } finally {
      // Nothing may still be writing when the caller cleans up after a failure.
      await Promise.allSettled(this.inflight);
    }
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private async readEntries(): Promise<void> {
    let pending: Pending = {};
    let metaRun = 0;
    for (;;) {
      this.limits.signal?.throwIfAborted();
      const block = await this.reader.readExact(BLOCK_SIZE);
      if (block === undefined) return;
      if (isZeroBlock(block)) {
        // End of archive; whatever follows (padding, or a bomb of zeros) is never read.
        const next = await this.reader.readExact(BLOCK_SIZE);
        if (next === undefined || isZeroBlock(next)) return;
        throw new UntarError('invalid archive: data after an end-of-archive block');
      }
      const hdr = decodeOrThrow(block);
      if (isMeta(hdr.typeflag)) {
        if (++metaRun > MAX_META_RUN) throw new UntarError('too many consecutive extended headers');
        pending = await this.readMeta(hdr, pending);
        continue;
      }
      metaRun = 0;
      await this.extractEntry(hdr, pending);
      pending = {};
    }
  }

  private async readMeta(hdr: DecodedHeader, pending: Pending): Promise<Pending> {
    if (hdr.size > MAX_META_BYTES)
      throw new UntarError(`extended header of ${hdr.size} bytes exceeds ${MAX_META_BYTES}`, pending.path);
    this.countDeclared(hdr.size, pending.path);
    const data = await this.readPadded(hdr.size);
    switch (hdr.typeflag) {
      case TypeFlag.paxHeader: {
        const records = parsePax(data);
        const next: Pending = { ...pending };
        const p = records.get('path');
        if (p !== undefined) next.path = p;
        const size = records.get('size');
        if (size !== undefined) {
          if (!/^\d{1,20}$/.test(size)) throw new UntarError('invalid pax size record', next.path);
          next.size = Number(size);
        }
        return next;
      }
      case TypeFlag.gnuLongName:
        return { ...pending, path: data.toString('utf8').replace(/\0+$/, '') };
      default:
        // Global pax headers and GNU long link names carry nothing we use.
        return pending;
    }
  }

  private async extractEntry(hdr: DecodedHeader, pending: Pending): Promise<void> {
    const name = pending.path ?? hdr.name;
    const size = pending.size ?? hdr.size;
    const parts = entryComponents(name);
    const kind = entryKind(hdr.typeflag, name);
    if (kind !== 'file' && kind !== 'dir') throw new UntarError(`${kind} entries are not allowed`, name);
    if (parts.length > this.limits.maxDepth)
      throw new UntarError(`depth ${parts.length} exceeds the limit of ${this.limits.maxDepth}`, name);
    this.countDeclared(size, name);
    if (kind === 'dir') {
      if (parts.length > 0) await this.ensureDir(parts, name, (hdr.mode & 0o755) | 0o700);
      await this.discard(size, name);
      return;
    }
    if (parts.length === 0) throw new UntarError('file entry has no name', name);
    await this.ensureDir(parts.slice(0, -1), name, 0o750);
    this.countCreated(name);
    const target = path.join(this.root, ...parts);
    const mode = (hdr.mode & 0o755) | 0o600;
    if (size <= SMALL_FILE) {
      const data = await this.readBody(size, name);
      await this.skipPadding(size, name);
      await this.schedule(() => writeWhole(target, data, mode, name));
    } else {
      await this.streamFile(target, name, size, mode);
    }
  }

  /**
   * Small files are written a few at a time: their cost is file-system latency, not
   * bytes. Memory stays bounded by MAX_INFLIGHT x SMALL_FILE.
   */
  private async schedule(task: () => Promise<void>): Promise<void> {
    this.throwIfFailed();
    const p: Promise<void> = task().then(
      () => {
        this.inflight.delete(p);
      },
      (err: unknown) => {
        this.inflight.delete(p);
        this.failure ??= err instanceof Error ? err : new Error(String(err));
      },
    );
    this.inflight.add(p);
    if (this.inflight.size >= MAX_INFLIGHT) await Promise.race(this.inflight);
    this.throwIfFailed();
  }

  /** Reads a whole small entry into a buffer of its own. */
  private async readBody(size: number, name: string): Promise<Buffer> {
    const data = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      this.limits.signal?.throwIfAborted();
      const chunk = await this.reader.readSome(size - got);
      if (chunk === undefined)
        throw new UntarError(`archive ends after ${got} bytes but the header declared ${size}`, name);
      chunk.copy(data, got);
      got += chunk.length;
    }
    this.countWritten(size, name);
    return data;
  }

  private async streamFile(target: string, name: string, size: number, mode: number): Promise<void> {
    const fh = await openExclusive(target, mode, name);
    let wrote = 0;
    try {
      while (wrote < size) {
        this.limits.signal?.throwIfAborted();
        const chunk = await this.reader.readSome(Math.min(COPY_CHUNK, size - wrote));
        if (chunk === undefined) break;
        wrote += chunk.length;
        this.countWritten(chunk.length, name);
        await fh.write(chunk);
      }
    } finally {
      await fh.close();
    }
    if (wrote !== size) throw new UntarError(`wrote ${wrote} bytes but the header declared ${size}`, name);
    await this.skipPadding(size, name);
  }

  /** Creates (or verifies) each directory of parts, refusing anything that is not a real directory. */
  private async ensureDir(parts: string[], name: string, leafMode: number): Promise<void> {
    for (let i = 1; i <= parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (this.knownDirs.has(rel)) continue;
      const abs = path.join(this.root, ...parts.slice(0, i));
      try {
        this.countCreated(name);
        await mkdir(abs, { mode: i === parts.length ? leafMode : 0o750 });
      } catch (err) {
        if (err instanceof UntarError) throw err;
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
          throw new UntarError(`cannot create directory ${quote(rel)}: ${String(err)}`, name);
      }
      const st = await lstat(abs);
      if (!st.isDirectory()) throw new UntarError(`path ${quote(rel)} exists and is not a directory`, name);
      this.knownDirs.add(rel);
    }
  }

  private countDeclared(size: number, name: string | undefined): void {
    this.declared += size;
    if (!(this.declared <= this.limits.maxBytes))
      throw new UntarError(
        `declared size ${size} brings the archive past the untar limit of ${this.limits.maxBytes} bytes`,
        name,
      );
  }

  private countWritten(n: number, name: string): void {
    this.written += n;
    if (this.written > this.limits.maxBytes)
      throw new UntarError(`written bytes exceed the untar limit of ${this.limits.maxBytes}`, name);
  }

  private countCreated(name: string): void {
    if (++this.created > this.limits.maxEntries)
      throw new UntarError(`archive creates more than the limit of ${this.limits.maxEntries} entries`, name);
  }

  private async readPadded(size: number): Promise<Buffer> {
    const data = size === 0 ? Buffer.alloc(0) : await this.reader.readExact(size);
    if (data === undefined) throw new UntarError('truncated archive: extended header has no data');
    await this.skipPadding(size, undefined);
    return Buffer.from(data);
  }

  private async discard(size: number, name: string): Promise<void> {
    let left = size;
    while (left > 0) {
      const chunk = await this.reader.readSome(Math.min(COPY_CHUNK, left));
      if (chunk === undefined) throw new UntarError('truncated archive', name);
      left -= chunk.length;
    }
    await this.skipPadding(size, name);
  }

  private async skipPadding(size: number, name: string | undefined): Promise<void> {
    const pad = paddingFor(size);
    if (pad > 0 && (await this.reader.readExact(pad)) === undefined)
      throw new UntarError('truncated archive: missing block padding', name);
  }
}

/** O_EXCL|O_NOFOLLOW: never reuse, truncate or write through anything already there. */
async function openExclusive(target: string, mode: number, name: string): Promise<FileHandle> {
  try {
    return await open(
      target,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      mode,
    );
  } catch (err) {
    throw new UntarError(`cannot create file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, name);
  }
}

async function writeWhole(target: string, data: Buffer, mode: number, name: string): Promise<void> {
  const fh = await openExclusive(target, mode, name);
  try {
    await fh.write(data);
  } finally {
    await fh.close();
  }
}

function decodeOrThrow(block: Buffer): DecodedHeader {
  try {
    return decodeHeader(block);
  } catch (err) {
    throw new UntarError(`invalid archive: ${(err as Error).message}`);
  }
}

function isMeta(typeflag: string): boolean {
  return (
    typeflag === TypeFlag.paxHeader ||
    typeflag === TypeFlag.paxGlobal ||
    typeflag === TypeFlag.gnuLongName ||
    typeflag === TypeFlag.gnuLongLink
  );
}
