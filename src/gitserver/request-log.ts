import type { RequestLogEntry } from './types.js';

/** In-memory log of git requests, shared by the HTTPS and SSH transports. */
export class RequestLog {
  #entries: RequestLogEntry[] = [];

  record(entry: Omit<RequestLogEntry, 'time'>): void {
    // Drop absent optional fields so entries compare cleanly with deepEqual in tests.
    const defined = Object.fromEntries(
      Object.entries(entry as Record<string, unknown>).filter(([, value]) => value !== undefined),
    );
    this.#entries.push({ time: new Date(), ...(defined as Omit<RequestLogEntry, 'time'>) });
  }

  /** Snapshot copies, so callers can neither mutate the log nor see later changes. */
  entries(): RequestLogEntry[] {
    return this.#entries.map((entry) => ({ ...entry, time: new Date(entry.time) }));
  }

  clear(): void {
    this.#entries = [];
  }
}
