// A work queue of object keys with controller-runtime's guarantees: a key waiting
// more than once is queued once; a key being processed is never handed out again
// until done() (re-adds during processing are deferred until then); delayed adds
// keep the earliest deadline. Two lanes: keys added directly (a watch event, a
// reconcile request) are served before keys that come back from a delay (interval
// requeues, retries), so a requested reconcile does not wait behind a wave of polls.
import { ItemBackoff, type BackoffOptions } from './backoff.js';

export interface QueueObserver {
  added?(key: string): void;
  depth?(depth: number): void;
  retried?(key: string, delayMs: number): void;
  /** Time the key waited in the queue before a worker took it. */
  waited?(ms: number): void;
}

export class WorkQueue {
  readonly #queue: string[] = [];
  readonly #low: string[] = [];
  /** Waiting keys and their lane. */
  readonly #dirty = new Map<string, 'high' | 'low'>();
  readonly #processing = new Set<string>();
  readonly #addedAt = new Map<string, number>();
  readonly #delayed = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #waiters: ((key: string | undefined) => void)[] = [];
  readonly #backoff: ItemBackoff;
  readonly #observer: QueueObserver;
  #shuttingDown = false;

  constructor(opts: { backoff?: BackoffOptions; observer?: QueueObserver } = {}) {
    this.#backoff = new ItemBackoff(opts.backoff);
    this.#observer = opts.observer ?? {};
  }

  get length(): number {
    return this.#queue.length + this.#low.length;
  }

  get processing(): number {
    return this.#processing.size;
  }

  add(key: string): void {
    this.#add(key, 'high');
  }

  #add(key: string, lane: 'high' | 'low'): void {
    if (this.#shuttingDown) return;
    const waiting = this.#dirty.get(key);
    if (waiting !== undefined) {
      // Already waiting: a direct add promotes a key waiting in the low lane.
      if (waiting === 'low' && lane === 'high') {
        this.#dirty.set(key, 'high');
        const index = this.#low.indexOf(key);
        if (index >= 0) {
          this.#low.splice(index, 1);
          this.#queue.push(key);
        }
      }
      return;
    }
    this.#observer.added?.(key);
    this.#dirty.set(key, lane);
    this.#addedAt.set(key, performance.now());
    if (this.#processing.has(key)) return; // picked up again by done()
    this.#enqueue(key);
  }

  /** Adds `key` after `ms`; an earlier pending deadline for the key wins. */
  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) {
      this.#add(key, 'low');
      return;
    }
    const at = performance.now() + ms;
    const pending = this.#delayed.get(key);
    if (pending !== undefined) {
      if (pending.at <= at) return;
      clearTimeout(pending.timer);
    }
    const timer = setTimeout(() => {
      this.#delayed.delete(key);
      this.#add(key, 'low');
    }, ms);
    this.#delayed.set(key, { at, timer });
  }

  /** Re-adds after the key's exponential backoff; returns the delay used. */
  addRateLimited(key: string): number {
    const delay = this.#backoff.next(key);
    this.#observer.retried?.(key, delay);
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets the key's failure count (after a success). */
  forget(key: string): void {
    this.#backoff.forget(key);
  }

  failures(key: string): number {
    return this.#backoff.failures(key);
  }

  /** Next key to process, or undefined once the queue shuts down. */
  get(): Promise<string | undefined> {
    const key = this.#take();
    if (key !== undefined || this.#shuttingDown) return Promise.resolve(key);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key)) this.#enqueue(key);
  }

  /** Stops handing out keys; pending get() calls resolve with undefined. */
  shutDown(): void {
    this.#shuttingDown = true;
    for (const { timer } of this.#delayed.values()) clearTimeout(timer);
    this.#delayed.clear();
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
  }

  #enqueue(key: string): void {
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      this.#start(key);
      waiter(key);
      return;
    }
    if (this.#dirty.get(key) === 'low') this.#low.push(key);
    else this.#queue.push(key);
    this.#observer.depth?.(this.length);
  }

  #take(): string | undefined {
    if (this.#shuttingDown) return undefined;
    const key = this.#queue.shift() ?? this.#low.shift();
    if (key === undefined) return undefined;
    this.#observer.depth?.(this.length);
    this.#start(key);
    return key;
  }

  #start(key: string): void {
    this.#dirty.delete(key);
    this.#processing.add(key);
    const added = this.#addedAt.get(key);
    this.#addedAt.delete(key);
    if (added !== undefined) this.#observer.waited?.(performance.now() - added);
  }
}
