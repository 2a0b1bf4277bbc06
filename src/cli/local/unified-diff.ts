// A line diff (Myers' O(ND) algorithm, common prefix and suffix trimmed first) printed
// as a unified diff with three lines of context, as `diff -u` prints it.

export type Edit = { readonly op: ' ' | '-' | '+'; readonly line: string };

/** Above this many differing lines the edit script is "remove all, add all" (bounds time and memory). */
const MAX_EDIT_DISTANCE = 2000;

export function diffLines(a: readonly string[], b: readonly string[]): Edit[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const middle = myers(a.slice(start, endA), b.slice(start, endB));
  return [
    ...a.slice(0, start).map((line) => ({ op: ' ' as const, line })),
    ...middle,
    ...a.slice(endA).map((line) => ({ op: ' ' as const, line })),
  ];
}

/** Whether step d on diagonal k came down (an insertion) rather than right (a deletion). */
function cameDown(at: (k: number) => number, d: number, k: number): boolean {
  return k === -d || (k !== d && at(k - 1) < at(k + 1));
}

function myers(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return replaceAll(a, b);
  const max = n + m;
  const offset = max;
  const v = new Int32Array(2 * max + 2);
  // trace[d] holds V before step d, diagonals -d..d only: memory grows with d², not d·(n+m).
  const trace: Int32Array[] = [];
  const limit = Math.min(max, MAX_EDIT_DISTANCE);
  for (let d = 0; d <= limit; d++) {
    trace.push(v.slice(offset - d, offset + d + 1));
    const at = (k: number): number => v[offset + k] ?? 0;
    for (let k = -d; k <= d; k += 2) {
      let x = cameDown(at, d, k) ? at(k + 1) : at(k - 1) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, a, b, d, k);
    }
  }
  return replaceAll(a, b);
}

function backtrack(
  trace: readonly Int32Array[],
  a: readonly string[],
  b: readonly string[],
  dEnd: number,
  kEnd: number,
): Edit[] {
  const edits: Edit[] = [];
  let x = a.length;
  let y = b.length;
  let k = kEnd;
  for (let d = dEnd; d > 0; d--) {
    const saved = trace[d] as Int32Array;
    const at = (kk: number): number => saved[kk + d] ?? 0;
    const down = cameDown(at, d, k);
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX + (down ? 0 : 1) && y > prevY + (down ? 1 : 0)) {
      edits.push({ op: ' ', line: a[--x] ?? '' });
      y--;
    }
    if (down) edits.push({ op: '+', line: b[--y] ?? '' });
    else edits.push({ op: '-', line: a[--x] ?? '' });
    k = prevK;
  }
  while (x > 0 && y > 0) {
    edits.push({ op: ' ', line: a[--x] ?? '' });
    y--;
  }
  return edits.reverse();
}

function replaceAll(a: readonly string[], b: readonly string[]): Edit[] {
  return [...a.map((line) => ({ op: '-' as const, line })), ...b.map((line) => ({ op: '+' as const, line }))];
}

export interface UnifiedOptions {
  readonly fromLabel: string;
  readonly toLabel: string;
  readonly context?: number;
}

/** `--- from` / `+++ to` and @@ hunks; the empty string when the texts are equal. */
export function unifiedDiff(from: string, to: string, opts: UnifiedOptions): string {
  const edits = diffLines(splitLines(from), splitLines(to));
  if (edits.every((e) => e.op === ' ')) return '';
  const context = opts.context ?? 3;
  const out = [`--- ${opts.fromLabel}`, `+++ ${opts.toLabel}`];
  const changed = edits.flatMap((e, i) => (e.op === ' ' ? [] : [i]));
  let i = 0;
  while (i < changed.length) {
    const first = changed[i] as number;
    let last = first;
    // Changes closer than twice the context share a hunk.
    while (i + 1 < changed.length && (changed[i + 1] as number) - last <= 2 * context)
      last = changed[++i] as number;
    i++;
    const lo = Math.max(0, first - context);
    const hi = Math.min(edits.length - 1, last + context);
    let aStart = 1;
    let bStart = 1;
    for (const e of edits.slice(0, lo)) {
      if (e.op !== '+') aStart++;
      if (e.op !== '-') bStart++;
    }
    const hunk = edits.slice(lo, hi + 1);
    const aLen = hunk.filter((e) => e.op !== '+').length;
    const bLen = hunk.filter((e) => e.op !== '-').length;
    out.push(`@@ -${range(aStart, aLen)} +${range(bStart, bLen)} @@`);
    for (const e of hunk) out.push(`${e.op}${e.line}`);
  }
  return out.join('\n') + '\n';
}

function range(start: number, length: number): string {
  // diff -u names the line before an empty range.
  const at = length === 0 ? start - 1 : start;
  return length === 1 ? `${at}` : `${at},${length}`;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
