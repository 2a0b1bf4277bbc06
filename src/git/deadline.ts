// One time budget per operation, shared by all the git commands it runs: fires on the timeout or
// when the caller aborts, whichever comes first, and remembers which. Disposing clears the timer
// and detaches from the caller's (possibly long-lived) signal.

export class Deadline {
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #caller: AbortSignal | undefined;
  #cause: 'timeout' | 'aborted' | undefined;

  constructor(timeoutMs: number, caller?: AbortSignal) {
    this.#caller = caller;
    this.#timer = setTimeout(
      () => {
        this.#fire('timeout');
      },
      Math.max(1, timeoutMs),
    );
    if (caller?.aborted === true) this.#fire('aborted');
    else caller?.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Why the signal fired, if it did. */
  get cause(): 'timeout' | 'aborted' | undefined {
    return this.#cause;
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#caller?.removeEventListener('abort', this.#onCallerAbort);
  }

  readonly #onCallerAbort = (): void => {
    this.#fire('aborted');
  };

  #fire(cause: 'timeout' | 'aborted'): void {
    if (this.#cause !== undefined) return;
    this.#cause = cause;
    this.#controller.abort();
  }
}
