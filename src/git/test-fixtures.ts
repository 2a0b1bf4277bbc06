// Shared setup for src/git integration tests: the git test server, auth built from its
// credentials, a scratch area, a local work clone for history the repo helpers cannot make
// (signatures, submodules, refs/pull), and an argv recorder for git and ssh.
import { access, constants, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execGit, isolatedGitEnv, startGitServer, type GitServer, type Repo } from '../gitserver/index.js';
import type { GitAuth } from './types.js';

export interface GitFixture {
  server: GitServer;
  /** Parent of the operations' temp dirs; empty between operations. */
  tempDir: string;
  scratch: string;
  basicAuth(): GitAuth;
  bearerAuth(): GitAuth;
  sshAuth(): Promise<GitAuth>;
  /** A path under scratch that does not exist yet. */
  freshPath(name: string): string;
  /** Runs git for test setup (never the code under test); rejects on failure. */
  git(
    args: readonly string[],
    options?: { cwd?: string; env?: Record<string, string>; input?: string | Buffer },
  ): Promise<string>;
  /** Clones the bare repo locally for commits the helpers can't make; push with `git push origin …`. */
  workClone(repo: Repo): Promise<string>;
  /** Names left in tempDir (should be none after an operation). */
  leftovers(): Promise<string[]>;
  close(): Promise<void>;
}

let counter = 0;

export async function startGitFixture(): Promise<GitFixture> {
  const server = await startGitServer();
  const scratch = await mkdtemp(join(tmpdir(), 'tide-git-test-'));
  const tempDir = join(scratch, 'tmp');
  const home = join(scratch, 'home');
  await Promise.all([mkdir(tempDir), mkdir(home)]);
  const env = {
    ...isolatedGitEnv(home),
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Tide Test',
    GIT_AUTHOR_EMAIL: 'test@tide.invalid',
    GIT_COMMITTER_NAME: 'Tide Test',
    GIT_COMMITTER_EMAIL: 'test@tide.invalid',
  };
  const git: GitFixture['git'] = async (args, options = {}) => {
    const result = await execGit(['-c', 'protocol.file.allow=always', ...args], {
      cwd: options.cwd,
      env: { ...env, ...options.env },
      input: options.input,
    });
    if (result.code !== 0) throw new Error(`test setup: git ${args[0] ?? ''} failed: ${result.stderr}`);
    return result.stdout.toString('utf8');
  };
  const tls = { caCert: server.caCertPem };
  return {
    server,
    tempDir,
    scratch,
    basicAuth: () => ({
      kind: 'basic',
      username: server.credentials.username,
      password: server.credentials.password,
      tls,
    }),
    bearerAuth: () => ({ kind: 'bearer', token: server.credentials.token, tls }),
    sshAuth: async () => ({
      kind: 'ssh',
      identity: await readFile(server.credentials.sshPrivateKeyPath, 'utf8'),
      knownHosts: server.sshKnownHosts,
    }),
    freshPath: (name) => join(scratch, `${name}-${++counter}`),
    git,
    workClone: async (repo) => {
      const dir = join(scratch, `work-${++counter}`);
      await git(['clone', '--quiet', repo.path, dir]);
      return dir;
    },
    leftovers: () => readdir(tempDir),
    close: async () => {
      await server.close();
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * Puts logging `git` and `ssh` wrappers first on PATH while `fn` runs and returns every argv they
 * saw, one line per invocation. The code under test takes PATH from process.env when it spawns.
 */
export async function recordArgv<T>(
  scratch: string,
  fn: () => Promise<T>,
): Promise<{ result: T; argv: string }> {
  const dir = await mkdtemp(join(scratch, 'argv-'));
  const log = join(dir, 'argv.log');
  await writeFile(log, '');
  const original = process.env.PATH ?? '';
  for (const tool of ['git', 'ssh']) {
    const real = await which(tool, original);
    const script = `#!/bin/sh\nprintf '%s %s\\n' '${tool}' "$*" >> '${log}'\nexec '${real}' "$@"\n`;
    await writeFile(join(dir, tool), script, { mode: 0o755 });
  }
  process.env.PATH = `${dir}${delimiter}${original}`;
  try {
    const result = await fn();
    return { result, argv: await readFile(log, 'utf8') };
  } finally {
    process.env.PATH = original;
  }
}

async function which(tool: string, path: string): Promise<string> {
  for (const dir of path.split(delimiter)) {
    const candidate = join(dir, tool);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  throw new Error(`${tool} not found on PATH`);
}

/** Every string an error exposes: message, stack, own properties and its cause chain. */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (current instanceof Error) {
      parts.push(current.message, current.stack ?? '', JSON.stringify(Object.entries(current)));
      current = current.cause;
    } else {
      parts.push(JSON.stringify(current));
      current = undefined;
    }
  }
  return parts.join('\n');
}

/** All file contents under dir (for "no secret persisted" checks). */
export async function readTree(dir: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const contents = await Promise.all(
    entries.filter((e) => e.isFile()).map((e) => readFile(join(e.parentPath, e.name), 'latin1')),
  );
  return contents.join('\n');
}
