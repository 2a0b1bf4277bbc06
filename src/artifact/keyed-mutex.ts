// One-at-a-time execution per key, in this process only. Storage writes for one
// object directory go through it; a second process writing the same storage would
// need file locks (Flux uses <file>.lock), which a single leader-elected writer avoids.
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with a holder or waiters (for tests and leak checks). */
  get size(): number {
    return this.tails.size;
  }
}
