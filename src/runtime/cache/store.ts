// The object store behind an informer: objects by key, plus named indexes
// (e.g. Kustomizations by source) kept up to date on every change.
import { objectKey, type KubeObject } from '../../api/object.js';

export type IndexFunc<T> = (object: T) => readonly string[];

export class IndexedStore<T extends KubeObject> {
  readonly #objects = new Map<string, T>();
  readonly #indexers = new Map<string, IndexFunc<T>>();
  readonly #indices = new Map<string, Map<string, Set<string>>>();

  get size(): number {
    return this.#objects.size;
  }

  get(key: string): T | undefined {
    return this.#objects.get(key);
  }

  keys(): IterableIterator<string> {
    return this.#objects.keys();
  }

  list(): T[] {
    return [...this.#objects.values()];
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (this.#indexers.has(name)) throw new Error(`index "${name}" already exists`);
    this.#indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.#indices.set(name, index);
    for (const [key, object] of this.#objects) addToIndex(index, fn(object), key);
  }

  byIndex(name: string, value: string): T[] {
    const index = this.#indices.get(name);
    if (index === undefined) throw new Error(`no index named "${name}"`);
    const keys = index.get(value) ?? new Set<string>();
    return [...keys].map((k) => this.#objects.get(k)).filter((o): o is T => o !== undefined);
  }

  /** Stores the object; returns the previous version. */
  put(object: T): T | undefined {
    const key = objectKey(object.metadata);
    const old = this.#objects.get(key);
    if (old !== undefined) this.#unindex(key, old);
    this.#objects.set(key, object);
    for (const [name, fn] of this.#indexers) {
      const index = this.#indices.get(name);
      if (index !== undefined) addToIndex(index, fn(object), key);
    }
    return old;
  }

  delete(key: string): T | undefined {
    const old = this.#objects.get(key);
    if (old === undefined) return undefined;
    this.#unindex(key, old);
    this.#objects.delete(key);
    return old;
  }

  #unindex(key: string, object: T): void {
    for (const [name, fn] of this.#indexers) {
      const index = this.#indices.get(name);
      if (index === undefined) continue;
      for (const value of fn(object)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }
}

function addToIndex(index: Map<string, Set<string>>, values: readonly string[], key: string): void {
  for (const value of values) {
    let keys = index.get(value);
    if (keys === undefined) {
      keys = new Set();
      index.set(value, keys);
    }
    keys.add(key);
  }
}
