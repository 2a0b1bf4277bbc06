import { InvalidRepoNameError, normalizeRepoName } from './repo-names.js';

export type GitSshService = 'git-upload-pack' | 'git-receive-pack';

export type ParsedExec =
  | { ok: true; service: GitSshService; repo: string }
  /** `service` is set when the command was a git service but its path was refused. */
  | { ok: false; service: GitSshService | undefined; path: string; reason: string };

const SERVICES = new Set<string>(['git-upload-pack', 'git-receive-pack']);

/**
 * Parses the command git sends over SSH, e.g. `git-upload-pack '/org/app.git'`. Only the two
 * git services with one path argument are accepted; the path must name a repository inside the
 * root. Nothing here ever reaches a shell: the parsed path is passed to git as a plain argument.
 */
export function parseGitExec(command: string): ParsedExec {
  const words = splitShellWords(command);
  if (words === undefined) {
    return { ok: false, service: undefined, path: '', reason: 'unsupported quoting in command' };
  }
  // `git upload-pack` is the spelling used when remote.*.uploadpack is configured that way.
  const [first, ...rest] = words[0] === 'git' ? [`git-${words[1] ?? ''}`, ...words.slice(2)] : words;
  if (first === undefined || !SERVICES.has(first)) {
    return {
      ok: false,
      service: undefined,
      path: '',
      reason: 'only git-upload-pack and git-receive-pack are allowed',
    };
  }
  const service = first as GitSshService;
  const path = rest[0] ?? '';
  if (rest.length !== 1) {
    return { ok: false, service, path, reason: 'expected exactly one repository path' };
  }
  try {
    return { ok: true, service, repo: normalizeRepoName(path) };
  } catch (error) {
    if (error instanceof InvalidRepoNameError) {
      return { ok: false, service, path, reason: error.message };
    }
    throw error;
  }
}

/**
 * Splits a POSIX-shell-quoted command as git produces it (`sq_quote`): single-quoted spans,
 * backslash escapes outside quotes (git emits `'\''` and `'\!'`), and plain safe characters.
 * Returns undefined for anything a real shell would treat specially, rather than guessing.
 */
export function splitShellWords(command: string): string[] | undefined {
  const words: string[] = [];
  let current: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const char = command.charAt(i);
    if (char === ' ' || char === '\t') {
      if (current !== undefined) words.push(current);
      current = undefined;
    } else if (char === "'") {
      const close = command.indexOf("'", i + 1);
      if (close < 0) return undefined;
      current = (current ?? '') + command.slice(i + 1, close);
      i = close;
    } else if (char === '\\' && i + 1 < command.length) {
      current = (current ?? '') + command.charAt(i + 1);
      i++;
    } else if (/[A-Za-z0-9/._~+=:@-]/.test(char)) {
      current = (current ?? '') + char;
    } else {
      return undefined;
    }
  }
  if (current !== undefined) words.push(current);
  return words;
}
