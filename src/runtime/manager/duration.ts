// Go duration strings ("750ms", "1m30s", "15m"), as Flux's flags and specs use them.
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const PART = /([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/y;

export function parseDuration(text: string): number {
  if (text === '0') return 0;
  let total = 0;
  let at = 0;
  PART.lastIndex = 0;
  while (at < text.length) {
    PART.lastIndex = at;
    const match = PART.exec(text);
    if (match === null) throw new Error(`"${text}" is not a duration (examples: 30s, 5m, 1h30m, 750ms)`);
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? 0);
    at = PART.lastIndex;
  }
  if (text.length === 0) throw new Error('empty duration');
  return total;
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
