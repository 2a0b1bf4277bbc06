// Extracted source artifacts shared by every Kustomization that builds the same digest:
// one download and one extraction per digest, however many Kustomizations read it (a
// monorepo feeding hundreds of them). The tree is read-only to the renderer, which
// builds its overlays in memory. Unused trees are removed after a while.
import { rm } from 'node:fs/promises';
import { fetchArtifact, type FetchArtifactOptions } from '../../../artifact/fetch.js';

interface Entry {
  readonly ready: Promise<string>;
  refs: number;
  lastUsed: number;
}

export interface ArtifactLease {
  readonly dir: string;
  release(): void;
}

export interface ArtifactCacheOptions {
  /** Unused trees older than this are removed (default 5 minutes). */
  readonly idleMs?: number;
  /** At most this many unused trees are kept (default 32). */
  readonly maxIdle?: number;
  readonly tmpDir?: string | undefined;
}

export class ArtifactCache {
  readonly #entries = new Map<string, Entry>();
  readonly #idleMs: number;
  readonly #maxIdle: number;
  readonly #tmpDir: string | undefined;

  constructor(opts: ArtifactCacheOptions = {}) {
    this.#idleMs = opts.idleMs ?? 5 * 60_000;
    this.#maxIdle = opts.maxIdle ?? 32;
    this.#tmpDir = opts.tmpDir;
  }

  /** The extracted tree of `digest`; the download is verified against it. */
  async acquire(
    fetch: Pick<FetchArtifactOptions, 'url' | 'digest' | 'retries' | 'signal'>,
  ): Promise<ArtifactLease> {
    let entry = this.#entries.get(fetch.digest);
    if (entry === undefined) {
      // Not tied to one caller's signal: others may wait for the same download.
      const ready = fetchArtifact({
        url: fetch.url,
        digest: fetch.digest,
        ...(fetch.retries === undefined ? {} : { retries: fetch.retries }),
        ...(this.#tmpDir === undefined ? {} : { tmpDir: this.#tmpDir }),
      }).then((f) => f.dir);
      entry = { ready, refs: 0, lastUsed: Date.now() };
      const created = entry;
      this.#entries.set(fetch.digest, created);
      ready.catch(() => {
        if (this.#entries.get(fetch.digest) === created) this.#entries.delete(fetch.digest);
      });
    }
    entry.refs++;
    const held = entry;
    let dir: string;
    try {
      dir = await waitWithSignal(held.ready, fetch.signal);
    } catch (err) {
      held.refs--;
      throw err;
    }
    let released = false;
    return {
      dir,
      release: () => {
        if (released) return;
        released = true;
        held.refs--;
        held.lastUsed = Date.now();
        void this.#sweep();
      },
    };
  }

  /** Removes every tree (shutdown). */
  async close(): Promise<void> {
    const dirs = await Promise.allSettled([...this.#entries.values()].map((e) => e.ready));
    this.#entries.clear();
    await Promise.all(
      dirs.flatMap((d) => (d.status === 'fulfilled' ? [rm(d.value, { recursive: true, force: true })] : [])),
    );
  }

  async #sweep(): Promise<void> {
    const now = Date.now();
    const idle = [...this.#entries.entries()]
      .filter(([, e]) => e.refs === 0)
      .sort(([, a], [, b]) => b.lastUsed - a.lastUsed);
    const doomed = idle.filter(([, e], i) => i >= this.#maxIdle || now - e.lastUsed > this.#idleMs);
    for (const [digest, e] of doomed) {
      this.#entries.delete(digest);
      const dir = await e.ready.catch(() => undefined);
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    }
  }
}

async function waitWithSignal<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
  });
}
