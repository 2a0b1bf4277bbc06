// Tables printed a batch at a time (a list, then rows as a watch delivers them), in
// kubectl's layout: upper-case headers, columns three spaces apart. Column widths only
// grow, so later rows stay aligned with earlier ones as far as they can. A multi-line
// last cell (an event naming several objects) continues under its column.
const GAP = '   ';
const width = (text: string): number => Array.from(text).length;

export class RowPrinter {
  readonly #headers: readonly string[];
  readonly #widths: number[];
  #headerDone: boolean;

  constructor(headers: readonly string[], opts: { readonly noHeader?: boolean } = {}) {
    this.#headers = headers.map((h) => h.toUpperCase());
    this.#widths = this.#headers.map(width);
    this.#headerDone = opts.noHeader === true;
  }

  /** The lines for rows, preceded by the header the first time. */
  lines(rows: readonly (readonly string[])[]): string[] {
    const last = this.#headers.length - 1;
    for (const row of rows) {
      for (let i = 0; i < last; i++) this.#widths[i] = Math.max(this.#widths[i] ?? 0, width(row[i] ?? ''));
    }
    const out: string[] = [];
    if (!this.#headerDone) {
      out.push(this.#format(this.#headers));
      this.#headerDone = true;
    }
    const indent = ' '.repeat(this.#widths.slice(0, last).reduce((a, w) => a + w + GAP.length, 0));
    for (const row of rows) {
      const [first = '', ...more] = (row[last] ?? '').split('\n');
      out.push(this.#format([...row.slice(0, last), first]));
      for (const line of more) out.push(`${indent}${line}`.trimEnd());
    }
    return out;
  }

  #format(cells: readonly string[]): string {
    const last = this.#headers.length - 1;
    return cells
      .map((cell, i) =>
        i === last ? cell : cell + ' '.repeat(Math.max(0, (this.#widths[i] ?? 0) - width(cell))),
      )
      .join(GAP)
      .trimEnd();
  }
}
