// Consumer side of artifacts: download to a private temp file while hashing, refuse a
// digest mismatch before anything is extracted, then extract with the hardened untar
// into a fresh random directory. Every temp directory is removed on failure.
import { constants, createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger, type Logger } from '../runtime/log/logger.js';
import { sanitizeText } from '../runtime/log/sanitize.js';
import { digestMatches, newHash, parseDigest, type ParsedDigest } from './digest.js';
import { DEFAULT_MAX_UNTAR_BYTES, untar } from './untar.js';

export interface FetchArtifactOptions {
  readonly url: string;
  /** `<sha256|sha384|sha512>:<hex>` */
  readonly digest: string;
  /** Extract here (created if missing, must be empty) instead of a fresh temp dir. */
  readonly dest?: string;
  /** Default: unlimited, like kustomize-controller (the digest is the trust anchor). */
  readonly maxDownloadBytes?: number;
  readonly maxUntarBytes?: number;
  readonly maxEntries?: number;
  /** Retries after the first attempt (Flux --http-retry, default 9). */
  readonly retries?: number;
  readonly retryWaitMinMs?: number;
  readonly retryWaitMaxMs?: number;
  /** Parent of the temp dirs (default os.tmpdir()). */
  readonly tmpDir?: string;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

export interface FetchedArtifact {
  readonly dir: string;
  /** Removes `dir` (the given dest included). */
  cleanup(): Promise<void>;
}

/** Download failed; `status` is the HTTP status when the server answered (404: artifact gone). */
export class ArtifactFetchError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(sanitizeText(message), options);
    this.name = 'ArtifactFetchError';
  }
}

export class DigestMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
    url: string,
  ) {
    super(sanitizeText(`artifact ${url} failed verification: expected digest ${expected}, got ${actual}`));
    this.name = 'DigestMismatchError';
  }
}

const DOWNLOAD_NAME = 'artifact.tar.gz';

export async function fetchArtifact(opts: FetchArtifactOptions): Promise<FetchedArtifact> {
  const expected = parseDigest(opts.digest);
  const tmpRoot = opts.tmpDir ?? os.tmpdir();
  const downloadDir = await mkdtemp(path.join(tmpRoot, 'tide-download-'));
  let extractDir: string | undefined;
  let removeOnFailure: () => Promise<void> = () => Promise.resolve();
  try {
    const file = path.join(downloadDir, DOWNLOAD_NAME);
    await downloadWithRetries(opts, expected, file);
    if (opts.dest === undefined) {
      extractDir = await mkdtemp(path.join(tmpRoot, 'tide-artifact-'));
      const dir = extractDir;
      removeOnFailure = () => rm(dir, { recursive: true, force: true });
    } else {
      extractDir = path.resolve(opts.dest);
      removeOnFailure = await prepareDest(extractDir);
    }
    await untar(createReadStream(file), extractDir, {
      maxBytes: opts.maxUntarBytes ?? DEFAULT_MAX_UNTAR_BYTES,
      ...(opts.maxEntries === undefined ? {} : { maxEntries: opts.maxEntries }),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    });
  } catch (err) {
    await removeOnFailure();
    throw err;
  } finally {
    await rm(downloadDir, { recursive: true, force: true });
  }
  const dir = extractDir;
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Creates dest (or checks it is empty); the returned function undoes what extraction left. */
async function prepareDest(dest: string): Promise<() => Promise<void>> {
  const existing = await readdir(dest).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  });
  if (existing === undefined) {
    await mkdir(dest, { recursive: true, mode: 0o750 });
    return () => rm(dest, { recursive: true, force: true });
  }
  if (existing.length > 0) throw new Error(`extraction directory ${dest} is not empty`);
  return async () => {
    for (const name of await readdir(dest)) await rm(path.join(dest, name), { recursive: true, force: true });
  };
}

async function downloadWithRetries(
  opts: FetchArtifactOptions,
  expected: ParsedDigest,
  file: string,
): Promise<void> {
  const retries = opts.retries ?? 9;
  const minWait = opts.retryWaitMinMs ?? 5_000;
  const maxWait = opts.retryWaitMaxMs ?? 30_000;
  const log = opts.logger ?? silentLogger;
  for (let attempt = 0; ; attempt++) {
    try {
      await downloadOnce(opts, expected, file);
      return;
    } catch (err) {
      const retryable = err instanceof ArtifactFetchError && err.retryable;
      if (!retryable || attempt >= retries || opts.signal?.aborted === true) throw err;
      const wait = Math.min(maxWait, minWait * 2 ** attempt);
      log.debug('artifact download failed, retrying', {
        url: opts.url,
        attempt: attempt + 1,
        waitMs: wait,
        error: err,
      });
      await sleep(wait, undefined, opts.signal ? { signal: opts.signal } : undefined).catch(
        (sleepErr: unknown) => {
          // Surface the caller's abort reason rather than the timer's generic AbortError.
          opts.signal?.throwIfAborted();
          throw sleepErr;
        },
      );
    }
  }
}

async function downloadOnce(opts: FetchArtifactOptions, expected: ParsedDigest, file: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(opts.url, {
      headers: { 'Accept-Encoding': 'identity' },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    if (opts.signal?.aborted === true) throw err;
    throw new ArtifactFetchError(
      `failed to download artifact from ${opts.url}: ${describe(err)}`,
      undefined,
      true,
      {
        cause: err,
      },
    );
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
    const what = res.status === 404 ? 'artifact not found' : 'failed to download artifact';
    throw new ArtifactFetchError(`${what}: ${opts.url} returned HTTP ${res.status}`, res.status, retryable);
  }
  const max = opts.maxDownloadBytes ?? Infinity;
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await res.body?.cancel();
    throw new ArtifactFetchError(
      `artifact ${opts.url} is ${declared} bytes, over the download limit of ${max}`,
    );
  }
  const hash = newHash(expected.algorithm);
  const fh = await open(
    file,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
    0o600,
  );
  let size = 0;
  try {
    if (res.body !== null) {
      for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > max)
          throw new ArtifactFetchError(`artifact ${opts.url} exceeds the download limit of ${max} bytes`);
        hash.update(chunk);
        await fh.write(chunk);
      }
    }
  } catch (err) {
    if (err instanceof ArtifactFetchError || opts.signal?.aborted === true) throw err;
    throw new ArtifactFetchError(`download of ${opts.url} interrupted: ${describe(err)}`, 200, true, {
      cause: err,
    });
  } finally {
    await fh.close();
  }
  const actual = hash.digest('hex');
  if (!digestMatches(expected, actual))
    throw new DigestMismatchError(
      `${expected.algorithm}:${expected.hex}`,
      `${expected.algorithm}:${actual}`,
      opts.url,
    );
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}
