/**
 * Finds out what an upload-pack client asked for by reading the pkt-lines it sends, without
 * altering the stream. Protocol v2 requests start with `command=<name>`; v0/v1 clients that fetch
 * send `want <oid>` lines, while a v0 ref listing sends nothing but a flush.
 */

/** pkt-line lengths below 4 are special packets (flush, delimiter, response-end), not data. */
const SPECIAL_PACKET_MAX = 2;
/** Enough for a v2 ls-refs exchange; past this we stop inspecting so sniffing stays O(1) memory. */
const MAX_SNIFFED_BYTES = 1024 * 1024;

export type SniffMode =
  /** A stateless HTTP request: exactly one command, which is in the first data packet. */
  | 'single-request'
  /** A whole SSH session: possibly several v2 commands; keep going until a fetch shows up. */
  | 'session';

export class UploadPackSniffer {
  readonly #mode: SniffMode;
  #pending: Buffer = Buffer.alloc(0);
  #seen = 0;
  #command: string | undefined;
  #done = false;

  constructor(mode: SniffMode) {
    this.#mode = mode;
  }

  /** `fetch` if the client fetched, else the first v2 command seen, else undefined. */
  get command(): string | undefined {
    return this.#command;
  }

  /** True once further input cannot change {@link command}. */
  get done(): boolean {
    return this.#done;
  }

  push(chunk: Buffer): void {
    if (this.#done) {
      return;
    }
    this.#seen += chunk.length;
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#drain();
    if (this.#seen > MAX_SNIFFED_BYTES) {
      this.#finish();
    }
  }

  #drain(): void {
    while (!this.#done && this.#pending.length >= 4) {
      const header = this.#pending.toString('latin1', 0, 4);
      const length = /^[0-9a-f]{4}$/i.test(header) ? Number.parseInt(header, 16) : -1;
      if (length < 0 || length === 3) {
        this.#finish(); // not pkt-line framed; nothing more to learn
        return;
      }
      if (length <= SPECIAL_PACKET_MAX) {
        this.#pending = this.#pending.subarray(4);
        continue;
      }
      if (this.#pending.length < length) {
        return;
      }
      const payload = this.#pending.toString('utf8', 4, length);
      this.#pending = this.#pending.subarray(length);
      this.#inspect(payload.endsWith('\n') ? payload.slice(0, -1) : payload);
    }
  }

  #inspect(line: string): void {
    if (line.startsWith('command=')) {
      this.#note(line.slice('command='.length));
    } else if (line.startsWith('want ') && this.#command === undefined) {
      this.#note('fetch');
    }
    if (this.#mode === 'single-request') {
      this.#finish();
    }
  }

  #note(command: string): void {
    if (this.#command === undefined || command === 'fetch') {
      this.#command = command;
    }
    if (command === 'fetch') {
      this.#finish();
    }
  }

  #finish(): void {
    this.#done = true;
    this.#pending = Buffer.alloc(0);
  }
}
