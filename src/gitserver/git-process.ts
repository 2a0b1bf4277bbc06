import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { exitStatus } from './child-processes.js';

/** Result of a finished git invocation; a non-zero `code` is not an error at this level. */
export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export interface GitRunOptions {
  /** Complete environment for the child; nothing is inherited so user config cannot leak in. */
  env: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string | Buffer;
  /** Called with the child right after spawning, e.g. to register it for cleanup. */
  onSpawn?: (child: ChildProcess) => void;
}

/**
 * Environment that isolates git from the invoking user's configuration: a private HOME (so no
 * ~/.gitconfig or credential helpers), no system config, no prompts, and C locale so messages are
 * stable enough to match in tests.
 */
export function isolatedGitEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
  };
}

/** Runs `git` and collects its output. Rejects only when the process cannot be started. */
export function execGit(args: readonly string[], options: GitRunOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: options.cwd, env: options.env, stdio: 'pipe' });
    options.onSpawn?.(child);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({
        code: exitStatus(code, signal),
        stdout: Buffer.concat(stdout),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
    // The child may exit before consuming its input (e.g. on a usage error); that is reported
    // through the exit code, so a broken pipe here is not an error of its own.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
  });
}

/** Error for a git command that exited non-zero; carries git's own diagnostics. */
export class GitCommandError extends Error {
  constructor(
    readonly subcommand: string,
    readonly code: number,
    readonly stderr: string,
  ) {
    super(`git ${subcommand} failed (exit ${code}): ${stderr.trim() || '(no output)'}`);
    this.name = 'GitCommandError';
  }
}

/**
 * Runs git and returns stdout, throwing {@link GitCommandError} on failure. The message names only
 * the subcommand, never the full argument list, so arguments can never leak into logs.
 */
export async function gitOutput(args: readonly string[], options: GitRunOptions): Promise<Buffer> {
  const result = await execGit(args, options);
  if (result.code !== 0) {
    throw new GitCommandError(subcommandOf(args), result.code, result.stderr);
  }
  return result.stdout;
}

function subcommandOf(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '-c' || arg === '-C') {
      i++;
    } else if (!arg.startsWith('-')) {
      return arg;
    }
  }
  return '(unknown)';
}
