import { join } from 'node:path';

/**
 * One path segment of a repository name. Requiring an alphanumeric first character rules out `.`,
 * `..`, hidden directories and option-like names (`-x`) in one go.
 */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const MAX_NAME_LENGTH = 200;

/** Thrown for repository names that are malformed or would escape the repository root. */
export class InvalidRepoNameError extends Error {
  constructor(input: string, reason: string) {
    super(`invalid repository name ${JSON.stringify(input)}: ${reason}`);
    this.name = 'InvalidRepoNameError';
  }
}

/**
 * Canonical form of a repository name: `org/app` for any of `org/app`, `org/app.git`, `/org/app.git`
 * or `org/app/`. Leading/trailing slashes are tolerated because SSH and HTTP paths carry them.
 */
export function normalizeRepoName(input: string): string {
  const trimmed = input.replace(/^\/+/, '').replace(/\/+$/, '');
  const name = trimmed.endsWith('.git') ? trimmed.slice(0, -'.git'.length) : trimmed;
  if (name === '' || name.length > MAX_NAME_LENGTH) {
    throw new InvalidRepoNameError(input, 'empty or too long');
  }
  for (const segment of name.split('/')) {
    if (!SEGMENT.test(segment)) {
      throw new InvalidRepoNameError(input, `bad path segment ${JSON.stringify(segment)}`);
    }
    // A segment named like a repository would make nested names ambiguous with repositories.
    if (segment.endsWith('.git')) {
      throw new InvalidRepoNameError(input, 'only the last segment may end in .git');
    }
  }
  return name;
}

/** Directory of the bare repository for an already normalized name. */
export function repoDirectory(root: string, name: string): string {
  return join(root, `${name}.git`);
}
