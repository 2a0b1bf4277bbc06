// Durations written the way Go's time.Duration prints them ("1m0s", "1h0m0s", "1.5s"),
// so manifests Tide generates read exactly like the flux CLI's.

/** Go's `time.Duration.String()` for a whole number of milliseconds. */
export function goDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`not a duration: ${ms}`);
  if (ms === 0) return '0s';
  if (ms < 1000) return `${trimFraction(ms)}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  let out = '';
  if (hours > 0) out += `${hours}h`;
  if (hours > 0 || minutes > 0) out += `${minutes}m`;
  return `${out}${trimFraction(seconds)}s`;
}

function trimFraction(value: number): string {
  return String(Number(value.toFixed(9)));
}
