// Artifact storage shared by every source kind: files under
// <root>/<kind lowercase>/<namespace>/<name>/<file>, written atomically (temp file in
// the same directory, then rename), digested while written, garbage collected per
// object directory. Everything needed to serve or collect lives on disk, so a
// restarted process picks up where the last one stopped.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, opendir, realpath, rename, rm, symlink, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Artifact } from '../api/meta/status.js';
import { silentLogger, type Logger } from '../runtime/log/logger.js';
import { tarDirectory, type IgnoreFn } from './archive.js';
import { newHash, parseDigest, digestMatches, type DigestAlgorithm } from './digest.js';
import { selectGarbage, TEMP_PREFIX, type GcCandidate } from './gc.js';
import { KeyedMutex } from './keyed-mutex.js';
import { assertSegment, joinUnder } from './safe-path.js';

export interface ObjectRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export interface StorageOptions {
  readonly root: string;
  /** host[:port] or a URL prefix with scheme; artifact URLs are `<scheme>://<addr>/<path>`. */
  readonly advertisedAddress: string;
  readonly retentionTtlMs?: number;
  readonly retentionRecords?: number;
  readonly digestAlgorithm?: DigestAlgorithm;
  readonly logger?: Logger;
}

export interface ArchiveOptions {
  readonly filename: string;
  readonly revision: string;
  readonly ignore?: IgnoreFn;
  readonly metadata?: Record<string, string>;
}

/** Fixed so the same tree gives the same bytes (for a given bundled zlib). */
const GZIP_OPTIONS = { level: 6, memLevel: 8, windowBits: 15, strategy: 0 } as const;
/** Entries looked at per GC run, like Flux's walk limit. */
const GC_WALK_LIMIT = 1000;

export class ArtifactStorage {
  private readonly locks = new KeyedMutex();

  private constructor(
    readonly root: string,
    private readonly urlBase: string,
    private readonly ttlMs: number,
    private readonly records: number,
    private readonly algorithm: DigestAlgorithm,
    private readonly log: Logger,
  ) {}

  static async open(opts: StorageOptions): Promise<ArtifactStorage> {
    await mkdir(opts.root, { recursive: true, mode: 0o750 });
    const root = await realpath(opts.root);
    const adv = opts.advertisedAddress.replace(/\/+$/, '');
    if (adv === '') throw new Error('advertisedAddress must not be empty');
    const urlBase = /^[a-z][a-z0-9+.-]*:\/\//i.test(adv) ? adv : `http://${adv}`;
    const ttl = opts.retentionTtlMs ?? 60_000;
    const records = opts.retentionRecords ?? 2;
    if (ttl < 0 || !Number.isInteger(records) || records < 1)
      throw new Error('retentionTtlMs must be >= 0 and retentionRecords an integer >= 1');
    const log = (opts.logger ?? silentLogger).with({ component: 'artifact-storage' });
    return new ArtifactStorage(root, urlBase, ttl, records, opts.digestAlgorithm ?? 'sha256', log);
  }

  /** Archives `dir` as a deterministic tar.gz and stores it as the object's artifact file. */
  async archiveDirectory(ref: ObjectRef, dir: string, opts: ArchiveOptions): Promise<Artifact> {
    const objDir = await this.ensureObjectDir(ref);
    assertFilename(opts.filename);
    return this.locks.run(objDir, async () => {
      const written = await this.writeAtomic(objDir, opts.filename, (sink) =>
        pipeline(Readable.from(tarDirectory(dir, opts.ignore)), createGzip(GZIP_OPTIONS), sink),
      );
      this.log.debug('artifact archived', { ...refFields(ref), file: opts.filename, size: written.size });
      return this.artifactOf(ref, opts.filename, opts.revision, written, opts.metadata);
    });
  }

  /** Stores bytes as-is (index files, copied layers). */
  async storeFile(
    ref: ObjectRef,
    filename: string,
    data: Buffer | Readable,
    revision: string,
    metadata?: Record<string, string>,
  ): Promise<Artifact> {
    const objDir = await this.ensureObjectDir(ref);
    assertFilename(filename);
    return this.locks.run(objDir, async () => {
      const source = Buffer.isBuffer(data) ? Readable.from([data]) : data;
      const written = await this.writeAtomic(objDir, filename, (sink) => pipeline(source, sink));
      this.log.debug('artifact stored', { ...refFields(ref), file: filename, size: written.size });
      return this.artifactOf(ref, filename, revision, written, metadata);
    });
  }

  /** True when the artifact file exists, is a regular file, and its digest matches. */
  async verify(artifact: Artifact): Promise<boolean> {
    if (artifact.digest === undefined) return false;
    let expected;
    try {
      expected = parseDigest(artifact.digest);
    } catch {
      return false; // an unknown or malformed digest cannot match; the source rebuilds
    }
    const fh = await open(this.localPath(artifact), constants.O_RDONLY | constants.O_NOFOLLOW).catch(
      () => undefined,
    );
    if (fh === undefined) return false;
    try {
      if (!(await fh.stat()).isFile()) return false;
      const hash = newHash(expected.algorithm);
      for await (const chunk of fh.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
      return digestMatches(expected, hash.digest('hex'));
    } finally {
      await fh.close();
    }
  }

  /** Absolute path of an artifact; throws if its path is not <kind>/<ns>/<name>/<file>. */
  localPath(artifact: Pick<Artifact, 'path'>): string {
    const segments = artifact.path.split('/');
    if (segments.length !== 4)
      throw new Error(`artifact path "${artifact.path}" is not kind/namespace/name/file`);
    segments.forEach((s, i) => {
      assertSegment(['kind', 'namespace', 'name', 'file'][i] ?? 'segment', s);
    });
    return joinUnder(this.root, segments);
  }

  /** Removes the object's whole directory (on object deletion). */
  async remove(ref: ObjectRef): Promise<void> {
    const objDir = this.objectDir(ref);
    await this.locks.run(objDir, () => rm(objDir, { recursive: true, force: true }));
  }

  /** Points `<objdir>/<linkName>` at the artifact (relative link, replaced atomically); returns its URL. */
  async setLatestSymlink(ref: ObjectRef, artifact: Artifact, linkName: string): Promise<string> {
    assertFilename(linkName);
    const objDir = await this.ensureObjectDir(ref);
    const target = this.localPath(artifact);
    if (path.dirname(target) !== objDir)
      throw new Error(`artifact ${artifact.path} does not belong to ${refPath(ref)}`);
    await this.locks.run(objDir, async () => {
      const tmp = path.join(objDir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}-${linkName}`);
      await symlink(path.basename(target), tmp);
      try {
        await rename(tmp, path.join(objDir, linkName));
      } catch (err) {
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
    });
    return `${this.urlBase}/${encodePath(`${refPath(ref)}/${linkName}`)}`;
  }

  /** Flux GC for one object directory; returns the removed file names. */
  async garbageCollect(ref: ObjectRef, current: Artifact): Promise<string[]> {
    const objDir = this.objectDir(ref);
    const currentFile = this.localPath(current);
    if (path.dirname(currentFile) !== objDir)
      throw new Error(`artifact ${current.path} does not belong to ${refPath(ref)}`);
    return this.locks.run(objDir, async () => {
      const candidates = await listCandidates(objDir);
      const garbage = selectGarbage(candidates, {
        current: path.basename(currentFile),
        nowMs: Date.now(),
        ttlMs: this.ttlMs,
        records: this.records,
      });
      const removed: string[] = [];
      for (const name of garbage) {
        await unlink(path.join(objDir, name)).then(
          () => removed.push(name),
          (err: unknown) => {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          },
        );
      }
      if (removed.length > 0) this.log.info('garbage collected artifacts', { ...refFields(ref), removed });
      return removed;
    });
  }

  private objectDir(ref: ObjectRef): string {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(ref.kind)) throw new Error(`kind "${ref.kind}" is not a valid kind`);
    assertSegment('namespace', ref.namespace);
    assertSegment('name', ref.name);
    return joinUnder(this.root, [ref.kind.toLowerCase(), ref.namespace, ref.name]);
  }

  private async ensureObjectDir(ref: ObjectRef): Promise<string> {
    const objDir = this.objectDir(ref);
    await mkdir(objDir, { recursive: true, mode: 0o750 });
    // Only this storage writes under root, but a swapped-in symlink must not redirect writes.
    if ((await realpath(objDir)) !== objDir)
      throw new Error(`storage directory ${refPath(ref)} is not a plain directory`);
    return objDir;
  }

  private async writeAtomic(
    objDir: string,
    filename: string,
    produce: (sink: (source: AsyncIterable<Buffer>) => Promise<void>) => Promise<void>,
  ): Promise<{ digest: string; size: number }> {
    const tmp = path.join(objDir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}-${filename}`);
    const fh = await open(
      tmp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    const hash = newHash(this.algorithm);
    let size = 0;
    try {
      try {
        await produce(async (source) => {
          for await (const chunk of source) {
            hash.update(chunk);
            size += chunk.length;
            await fh.write(chunk);
          }
        });
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path.join(objDir, filename));
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    return { digest: `${this.algorithm}:${hash.digest('hex')}`, size };
  }

  private artifactOf(
    ref: ObjectRef,
    filename: string,
    revision: string,
    written: { digest: string; size: number },
    metadata?: Record<string, string>,
  ): Artifact {
    const p = `${refPath(ref)}/${filename}`;
    return {
      path: p,
      url: `${this.urlBase}/${encodePath(p)}`,
      revision,
      digest: written.digest,
      lastUpdateTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      size: written.size,
      ...(metadata === undefined ? {} : { metadata: { ...metadata } }),
    };
  }
}

function assertFilename(filename: string): void {
  assertSegment('file name', filename);
  // Leading dots are reserved for temp files, which are never served.
  if (filename.startsWith('.')) throw new Error(`file name "${filename}" must not start with "."`);
}

function refPath(ref: ObjectRef): string {
  return `${ref.kind.toLowerCase()}/${ref.namespace}/${ref.name}`;
}

function refFields(ref: ObjectRef): Record<string, string> {
  return { kind: ref.kind, namespace: ref.namespace, name: ref.name };
}

function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}

async function listCandidates(objDir: string): Promise<GcCandidate[]> {
  const out: GcCandidate[] = [];
  const dir = await opendir(objDir).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  });
  if (dir === undefined) return out;
  let seen = 0;
  for await (const d of dir) {
    if (++seen > GC_WALK_LIMIT) break;
    const st = await lstat(path.join(objDir, d.name)).catch(() => undefined);
    if (st === undefined) continue;
    const kind = st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
    out.push({ name: d.name, mtimeMs: st.mtimeMs, kind });
  }
  return out;
}
