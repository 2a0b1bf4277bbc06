// Pull-based reads over a chunked stream, holding at most one upstream chunk plus
// the bytes a caller asked for at once, so memory stays flat however big the input.

export class TruncatedInputError extends Error {}

export class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;

  constructor(private readonly source: AsyncIterator<unknown>) {}

  /**
   * Exactly n bytes, or undefined at a clean end of input (no bytes left).
   * Throws TruncatedInputError when the input ends part-way.
   */
  async readExact(n: number): Promise<Buffer | undefined> {
    while (this.buf.length < n) {
      if (!(await this.pull())) {
        if (this.buf.length === 0) return undefined;
        throw new TruncatedInputError(`unexpected end of input (${this.buf.length} of ${n} bytes)`);
      }
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Up to max bytes (at least one), or undefined at end of input. */
  async readSome(max: number): Promise<Buffer | undefined> {
    if (this.buf.length === 0 && !(await this.pull())) return undefined;
    const out = this.buf.subarray(0, Math.min(max, this.buf.length));
    this.buf = this.buf.subarray(out.length);
    return out;
  }

  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    const r = await this.source.next();
    if (r.done === true) {
      this.ended = true;
      return false;
    }
    const chunk = r.value as Buffer;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    return true;
  }
}
