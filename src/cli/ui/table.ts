// Plain-text tables in kubectl's layout: upper-case headers, columns left-aligned and
// three spaces apart, no trailing spaces; --no-header drops the first line.
const GAP = '   ';

/** Characters as a terminal counts them (code points, so ✔ is one). */
const width = (text: string): number => Array.from(text).length;

export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  opts: { readonly noHeader?: boolean } = {},
): string[] {
  const all = opts.noHeader === true ? rows : [headers.map((h) => h.toUpperCase()), ...rows];
  const widths = headers.map((_, i) => Math.max(0, ...all.map((r) => width(r[i] ?? ''))));
  return all.map((row) =>
    headers
      .map((_, i) => {
        const cell = row[i] ?? '';
        return i === headers.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - width(cell));
      })
      .join(GAP)
      .trimEnd(),
  );
}

/** kubectl's age: 45s, 5m3s, 3h12m, 2d4h, 90d; `<unknown>` without a timestamp. */
export function formatAge(timestamp: string | undefined, now: number): string {
  if (timestamp === undefined) return '<unknown>';
  const then = Date.parse(timestamp);
  if (Number.isNaN(then)) return '<unknown>';
  const s = Math.max(0, Math.floor((now - then) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}
