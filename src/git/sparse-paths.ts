// Validation of GitRepository `sparseCheckout` entries before they reach git (§4 A8): relative,
// no `..`, no `.git`, inside the repository. Each becomes an anchored directory pattern.
import { posix } from 'node:path';
import { GitInvalidInputError } from './errors.js';

/**
 * Normalizes sparse-checkout directories (`./apps/` → `apps`) or throws naming the bad entry.
 * The message repeats only the entry, which came from the spec, and says nothing about whether
 * such a path exists (no existence oracle).
 */
export function validateSparsePaths(paths: readonly string[]): string[] {
  const result = new Set<string>();
  for (const path of paths) {
    const reject = (why: string): never => {
      throw new GitInvalidInputError(`sparseCheckout entry ${JSON.stringify(path)} ${why}`, {
        operation: 'sparse checkout',
      });
    };
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
    if (/[\u0000-\u001f\u007f\\]/.test(path)) reject('contains a backslash or control character');
    if (path.startsWith('/')) reject('must be relative to the repository root');
    if (path.split('/').includes('..')) reject("must not contain '..'");
    const normalized = posix.normalize(path).replace(/\/+$/, '');
    if (normalized === '.' || normalized === '') reject('names the repository root');
    if (normalized.startsWith('../') || normalized === '..') reject('points outside the repository');
    if (normalized.split('/').some((part) => part === '.git')) reject("must not name '.git'");
    result.add(normalized);
  }
  return [...result];
}

/** Gitignore-style pattern matching exactly `dir` at the root and everything below it. */
export function sparsePattern(dir: string): string {
  const escaped = dir.replace(/[*?[\]!#]/g, (c) => `\\${c}`).replace(/ $/, '\\ ');
  return `/${escaped}/`;
}
