// What this process last saw of each object it applied, so an unchanged object costs a
// dry run only. When the dry run returns the resourceVersion and the exact content of
// our last apply's answer, nobody wrote the object since and our manifest changes
// nothing in it: the real apply would be a no-op and is skipped (drift moves the
// resourceVersion, so it is still corrected on the next reconcile).
import { createHash } from 'node:crypto';
import type { KubeObject } from '../api/object.js';

interface Seen {
  readonly resourceVersion: string;
  readonly digest: string;
}

export class ApplyMemo {
  readonly #seen = new Map<string, Seen>();
  readonly #limit: number;

  /** `limit`: objects remembered (oldest forgotten first). */
  constructor(limit = 200_000) {
    this.#limit = limit;
  }

  /** True when `dry` (a dry-run answer) is exactly what our last apply left. */
  unchanged(scope: string, id: string, dry: KubeObject): boolean {
    const seen = this.#seen.get(`${scope}|${id}`);
    const rv = dry.metadata.resourceVersion;
    return (
      seen !== undefined && rv !== undefined && seen.resourceVersion === rv && seen.digest === digestOf(dry)
    );
  }

  remember(scope: string, id: string, applied: KubeObject): void {
    const rv = applied.metadata.resourceVersion;
    const key = `${scope}|${id}`;
    this.#seen.delete(key);
    if (rv === undefined || rv === '') return;
    this.#seen.set(key, { resourceVersion: rv, digest: digestOf(applied) });
    if (this.#seen.size > this.#limit) {
      const oldest = this.#seen.keys().next();
      if (oldest.done !== true) this.#seen.delete(oldest.value);
    }
  }

  forget(scope: string, id: string): void {
    this.#seen.delete(`${scope}|${id}`);
  }

  get size(): number {
    return this.#seen.size;
  }
}

function digestOf(obj: KubeObject): string {
  return createHash('sha256').update(JSON.stringify(obj)).digest('base64');
}
