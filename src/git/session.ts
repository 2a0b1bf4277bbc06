// One git operation's private world: a 0700 temp dir holding HOME and credential files, an
// environment built from scratch, a deadline, and error classification. Secrets reach git only
// through that environment and those files, never argv or the URL. The dir is removed on success,
// failure, timeout and abort alike.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GitAbortedError,
  GitAuthError,
  GitError,
  GitInvalidInputError,
  GitNotFoundError,
  GitTimeoutError,
} from './errors.js';
import { Deadline } from './deadline.js';
import { localGitEnv, prepareEnvironment } from './git-env.js';
import { runGit, type RunGitResult } from './run-git.js';
import { parseRepoUrl, secretsOf, type GitAuth, type ProxyConfig } from './types.js';

export interface GitSessionOptions {
  url: string;
  auth: GitAuth;
  proxy?: ProxyConfig;
  /** Budget for everything the session runs. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Parent of the per-operation temp dir; the OS temp dir by default. */
  tempDir?: string;
}

const TIMED_OUT = 'timed out; the git processes were killed';

export interface SessionRunOptions {
  cwd?: string;
  maxStdoutBytes?: number;
}

type ErrorClass = new (
  detail: string,
  options: { operation: string; url?: string; secrets?: readonly string[] },
) => GitError;

/** Runs git commands for one operation against one remote. */
export class GitSession {
  readonly #env: Record<string, string>;
  readonly #deadline: Deadline;
  readonly #secrets: readonly string[];

  constructor(
    /** URL handed to git: never carries a password. */
    readonly url: string,
    env: Record<string, string>,
    deadline: Deadline,
    secrets: readonly string[],
  ) {
    this.#env = env;
    this.#deadline = deadline;
    this.#secrets = secrets;
  }

  /** Runs git and returns stdout; a non-zero exit becomes a classified GitError. */
  async git(args: readonly string[], options: SessionRunOptions = {}): Promise<Buffer> {
    const result = await this.#run(args, options);
    if (result.code !== 0) throw this.#failure(args, result.stderr);
    return result.stdout;
  }

  /** Runs git and returns its exit code and output without judging it (for probes like rev-parse). */
  async probe(
    args: readonly string[],
    options: SessionRunOptions = {},
  ): Promise<{ code: number; stdout: Buffer }> {
    const result = await this.#run(args, options);
    return { code: result.code, stdout: result.stdout };
  }

  /** An error of the given class naming this session's URL, with secrets masked. */
  error(ErrorType: ErrorClass, operation: string, detail: string): GitError {
    return new ErrorType(detail, { operation, url: this.url, secrets: this.#secrets });
  }

  async #run(
    args: readonly string[],
    options: SessionRunOptions,
  ): Promise<Extract<RunGitResult, { kind: 'exited' }>> {
    const operation = operationOf(args);
    let result: RunGitResult;
    try {
      result = await runGit(args, { env: this.#env, signal: this.#deadline.signal, ...options });
    } catch (error) {
      throw this.error(GitError, operation, error instanceof Error ? error.message : String(error));
    }
    if (result.kind === 'aborted') {
      if (this.#deadline.cause === 'aborted') throw this.error(GitAbortedError, operation, 'aborted');
      throw this.error(GitTimeoutError, operation, TIMED_OUT);
    }
    if (result.kind === 'overflow') throw this.error(GitError, operation, 'output exceeds the size limit');
    return result;
  }

  #failure(args: readonly string[], stderr: string): GitError {
    const { ErrorType, detail } = classifyStderr(stderr);
    return this.error(ErrorType, operationOf(args), detail);
  }
}

/**
 * Creates the session's temp dir and environment, runs `fn`, and removes the dir whatever happens.
 * SSH without known_hosts is refused here, before anything connects.
 */
export async function withGitSession<T>(
  options: GitSessionOptions,
  fn: (session: GitSession) => Promise<T>,
): Promise<T> {
  const url = gitUrl(options);
  const secrets = secretsOf(options.auth, options.proxy);
  const deadline = new Deadline(options.timeoutMs, options.signal);
  try {
    const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'tide-git-'));
    try {
      const env = await prepareEnvironment(dir, url, options.auth, options.proxy);
      return await fn(new GitSession(url, env, deadline, secrets));
    } finally {
      await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    }
  } finally {
    deadline.dispose();
  }
}

/** The URL git gets: validated, password stripped; SSH only with SSH credentials. */
function gitUrl(options: GitSessionOptions): string {
  const parsed = parseRepoUrl(options.url);
  const operation = 'connect';
  if (parsed.protocol === 'ssh:') {
    if (options.auth.kind !== 'ssh') {
      throw new GitAuthError(
        'SSH needs an identity and known_hosts in the secretRef; host keys are never trusted on first use',
        { operation, url: options.url },
      );
    }
    if (options.proxy !== undefined) {
      throw new GitInvalidInputError('a proxy is supported for HTTP(S) URLs only', {
        operation,
        url: options.url,
      });
    }
  } else if (options.auth.kind === 'ssh') {
    throw new GitInvalidInputError('SSH credentials given for a non-SSH URL', {
      operation,
      url: options.url,
    });
  }
  parsed.password = '';
  if (parsed.protocol !== 'ssh:') parsed.username = '';
  // Flux's default SSH user; ssh would otherwise use the local account name.
  else if (parsed.username === '') parsed.username = 'git';
  parsed.hash = '';
  return parsed.toString();
}

/** `git fetch` for args `['-C', dir, 'fetch', …]`: names the command, never its arguments. */
function operationOf(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '-C' || arg === '-c') i++;
    else if (!arg.startsWith('-')) return `git ${arg}`;
  }
  return 'git';
}

const AUTH_PATTERNS = [
  /could not read (username|password)/i,
  /authentication failed/i,
  /returned error: 40[13]/i,
  /\bHTTP 40[13]\b/,
  /permission denied \(publickey/i,
  /host key verification failed/i,
  /no .*host key is known/i,
  /too many authentication failures/i,
  /certificate problem|server certificate verification failed|SSL certificate/i,
  /incorrect passphrase|load key .*: (incorrect|invalid|error)/i,
  /received HTTP code 407|response 407|proxy authentication required/i,
];
const NOT_FOUND_PATTERNS = [
  /repository .* not found/i,
  /repository not found/i,
  /repository .* does not exist/i,
  /couldn't find remote ref/i,
  /not our ref/i,
  /returned error: 404/i,
  /unadvertised object/i,
  /no such remote ref/i,
];
const NOISE = [/^please make sure you have the correct access rights/i, /^and the repository exists\.?$/i];

/** Maps git's stderr to an error class and a short detail (a few informative lines). */
export function classifyStderr(stderr: string): { ErrorType: ErrorClass; detail: string } {
  const lines = stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !NOISE.some((re) => re.test(line)));
  const detail = lines.slice(-4).join('; ') || 'git failed without a message';
  if (AUTH_PATTERNS.some((re) => re.test(stderr))) {
    return { ErrorType: GitAuthError, detail: `authentication failed: ${detail}` };
  }
  if (NOT_FOUND_PATTERNS.some((re) => re.test(stderr))) return { ErrorType: GitNotFoundError, detail };
  return { ErrorType: GitError, detail };
}

export interface LocalGitOptions {
  cwd: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Runs git on a local repository with no network and no credentials (GIT_ALLOW_PROTOCOL=none). */
export async function localGit(
  args: readonly string[],
  options: LocalGitOptions,
): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  const operation = operationOf(args);
  const deadline = new Deadline(options.timeoutMs, options.signal);
  let result: RunGitResult;
  try {
    result = await runGit(args, { env: localGitEnv(), cwd: options.cwd, signal: deadline.signal });
  } finally {
    deadline.dispose();
  }
  if (result.kind === 'aborted') {
    if (deadline.cause === 'aborted') throw new GitAbortedError('aborted', { operation });
    throw new GitTimeoutError(TIMED_OUT, { operation });
  }
  if (result.kind === 'overflow') throw new GitError('output exceeds the size limit', { operation });
  return { code: result.code, stdout: result.stdout, stderr: result.stderr };
}
