// An informer: lists a kind once, then watches it from the list's resourceVersion,
// keeping a local store current. It resumes a dropped watch from the last
// resourceVersion it saw (bookmarks keep that recent), relists when the server
// answers 410 Gone, and reports adds, updates and deletes to its handlers.
import { objectKey, type KubeObject } from '../../api/object.js';
import type { KubeClient } from '../client/client.js';
import { ApiError, isGone } from '../client/errors.js';
import { sleep } from '../client/rate-limiter.js';
import type { ResourceType } from '../client/resource.js';
import { silentLogger, type Logger } from '../log/logger.js';
import { IndexedStore, type IndexFunc } from './store.js';

export type InformerEvent<T> =
  | { readonly type: 'add'; readonly object: T }
  | { readonly type: 'update'; readonly object: T; readonly old: T }
  | { readonly type: 'delete'; readonly object: T };

export interface InformerOptions<T extends KubeObject> {
  readonly client: KubeClient;
  readonly resource: ResourceType;
  /** Watch one namespace; all namespaces when omitted. */
  readonly namespace?: string | undefined;
  readonly labelSelector?: string | undefined;
  readonly fieldSelector?: string | undefined;
  /** Cache only metadata (PartialObjectMetadata), for kinds whose content is not needed. */
  readonly metadataOnly?: boolean;
  /** Applied to each object before it is stored; by default managedFields are dropped. */
  readonly transform?: (object: T) => T;
  readonly pageSize?: number;
  readonly logger?: Logger;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export interface InformerStats {
  lists: number;
  watches: number;
  relistsAfterGone: number;
}

export class Informer<T extends KubeObject = KubeObject> {
  readonly store = new IndexedStore<T>();
  readonly stats: InformerStats = { lists: 0, watches: 0, relistsAfterGone: 0 };
  readonly #opts: InformerOptions<T>;
  readonly #handlers: ((event: InformerEvent<T>) => void)[] = [];
  readonly #log: Logger;
  #resourceVersion: string | undefined;
  #synced = false;
  readonly #syncWaiters: (() => void)[] = [];

  constructor(opts: InformerOptions<T>) {
    this.#opts = opts;
    this.#log = (opts.logger ?? silentLogger).with({ informer: opts.resource.plural });
  }

  get resource(): ResourceType {
    return this.#opts.resource;
  }

  get resourceVersion(): string | undefined {
    return this.#resourceVersion;
  }

  get hasSynced(): boolean {
    return this.#synced;
  }

  onEvent(handler: (event: InformerEvent<T>) => void): void {
    this.#handlers.push(handler);
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.store.addIndexer(name, fn);
  }

  /** Resolves after the first complete list has been stored and announced. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#syncWaiters.push(resolve);
      signal?.addEventListener(
        'abort',
        () => {
          reject(signal.reason as Error);
        },
        { once: true },
      );
    });
  }

  /** Runs until the signal aborts. */
  async run(parent: AbortSignal): Promise<void> {
    // A dependent signal: requests listen on it, not on the parent shared by every informer.
    const signal = AbortSignal.any([parent]);
    const minBackoff = this.#opts.minBackoffMs ?? 200;
    const maxBackoff = this.#opts.maxBackoffMs ?? 30_000;
    let backoff = minBackoff;
    while (!signal.aborted) {
      try {
        if (this.#resourceVersion === undefined) await this.#relist(signal);
        await this.#watch(signal);
        backoff = minBackoff;
      } catch (err) {
        if (aborted(signal)) break;
        if (isGone(err)) {
          this.stats.relistsAfterGone++;
          this.#log.info('watch resourceVersion expired, relisting', {
            resourceVersion: this.#resourceVersion,
          });
          this.#resourceVersion = undefined;
          continue;
        }
        this.#log.error('watch failed, retrying', { error: err, retryInMs: backoff });
        await sleep(backoff, signal).catch(() => undefined);
        backoff = Math.min(maxBackoff, backoff * 2);
      }
    }
  }

  async #relist(signal: AbortSignal): Promise<void> {
    this.stats.lists++;
    const seen = new Map<string, T>();
    let continueToken: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const page = await this.#opts.client.list<T>(this.#opts.resource, {
        namespace: this.#opts.namespace,
        labelSelector: this.#opts.labelSelector,
        fieldSelector: this.#opts.fieldSelector,
        limit: this.#opts.pageSize ?? 500,
        continue: continueToken,
        metadataOnly: this.#opts.metadataOnly === true,
        signal,
      });
      for (const item of page.items) {
        const object = this.#prepare(item);
        seen.set(objectKey(object.metadata), object);
      }
      continueToken = page.metadata.continue === '' ? undefined : page.metadata.continue;
      resourceVersion = page.metadata.resourceVersion;
    } while (continueToken !== undefined);
    // Reconcile the store with the fresh list: deletions missed while disconnected
    // surface here as delete events.
    for (const key of [...this.store.keys()]) {
      if (!seen.has(key)) {
        const old = this.store.delete(key);
        if (old !== undefined) this.#emit({ type: 'delete', object: old });
      }
    }
    for (const object of seen.values()) this.#store(object);
    this.#resourceVersion = resourceVersion;
    if (!this.#synced) {
      this.#synced = true;
      for (const resolve of this.#syncWaiters.splice(0)) resolve();
    }
  }

  async #watch(signal: AbortSignal): Promise<void> {
    this.stats.watches++;
    const events = await this.#opts.client.watch<T>(this.#opts.resource, {
      namespace: this.#opts.namespace,
      labelSelector: this.#opts.labelSelector,
      fieldSelector: this.#opts.fieldSelector,
      resourceVersion: this.#resourceVersion,
      allowWatchBookmarks: true,
      // The server ends the watch after this; spread so informers do not reconnect in step.
      timeoutSeconds: 300 + Math.floor(Math.random() * 300),
      metadataOnly: this.#opts.metadataOnly === true,
      signal,
    });
    for await (const event of events) {
      if (event.type === 'ERROR') {
        const status = event.object;
        throw new ApiError(status.code ?? 500, status.reason ?? '', status.message ?? 'watch error');
      }
      const resourceVersion = event.object.metadata.resourceVersion;
      if (event.type === 'BOOKMARK') {
        this.#resourceVersion = resourceVersion;
        continue;
      }
      const object = this.#prepare(event.object);
      if (event.type === 'DELETED') {
        const old = this.store.delete(objectKey(object.metadata));
        this.#emit({ type: 'delete', object: old ?? object });
      } else {
        this.#store(object);
      }
      this.#resourceVersion = resourceVersion;
    }
  }

  #store(object: T): void {
    const old = this.store.put(object);
    if (old === undefined) this.#emit({ type: 'add', object });
    else if (old.metadata.resourceVersion !== object.metadata.resourceVersion) {
      this.#emit({ type: 'update', object, old });
    }
  }

  #prepare(object: T): T {
    if (this.#opts.metadataOnly === true) {
      object.apiVersion =
        this.#opts.resource.group === ''
          ? this.#opts.resource.version
          : `${this.#opts.resource.group}/${this.#opts.resource.version}`;
      object.kind = this.#opts.resource.kind;
    }
    if (this.#opts.transform !== undefined) return this.#opts.transform(object);
    delete object.metadata.managedFields;
    return object;
  }

  #emit(event: InformerEvent<T>): void {
    for (const handler of this.#handlers) {
      try {
        handler(event);
      } catch (err) {
        this.#log.error('informer event handler failed', { error: err });
      }
    }
  }
}

/** Read through a call: TypeScript narrows `signal.aborted` to false inside the loop. */
function aborted(signal: AbortSignal): boolean {
  return signal.aborted;
}
