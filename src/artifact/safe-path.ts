// Joining untrusted names under a root: every name is one path segment that cannot
// climb out, and the joined result is checked to stay under the root.
import path from 'node:path';

const MAX_SEGMENT_BYTES = 255;

/** Throws unless `value` is a single safe path segment. */
export function assertSegment(what: string, value: string): void {
  if (value === '' || value === '.' || value === '..')
    throw new Error(`${what} "${value}" is not a valid path segment`);
  if (/[/\\\0]/.test(value)) throw new Error(`${what} "${value}" must not contain "/", "\\" or NUL`);
  if (Buffer.byteLength(value) > MAX_SEGMENT_BYTES)
    throw new Error(`${what} is longer than ${MAX_SEGMENT_BYTES} bytes`);
}

/** Joins validated segments under root and re-checks containment. */
export function joinUnder(root: string, segments: readonly string[]): string {
  const joined = path.resolve(root, ...segments);
  const base = path.resolve(root);
  if (joined !== base && !joined.startsWith(base + path.sep))
    throw new Error(`path ${segments.join('/')} escapes ${base}`);
  return joined;
}

export function isUnder(root: string, candidate: string): boolean {
  const base = path.resolve(root);
  const p = path.resolve(candidate);
  return p === base || p.startsWith(base.endsWith(path.sep) ? base : base + path.sep);
}
