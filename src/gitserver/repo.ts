import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ChildProcesses } from './child-processes.js';
import { commitStream } from './fast-import-stream.js';
import { execGit, gitOutput, type GitRunOptions } from './git-process.js';
import { normalizeRepoName, repoDirectory } from './repo-names.js';
import type { CommitAuthor, CommitOptions, CreateRepoOptions, Repo, TagOptions } from './types.js';

const SERVER_IDENTITY: CommitAuthor = { name: 'Tide Git Server', email: 'gitserver@tide.invalid' };

export interface RepoHost {
  repoRoot: string;
  gitEnv: Record<string, string>;
  children: ChildProcesses;
  httpsUrl(name: string): string;
  sshUrl(name: string): string;
}

/** Creates a new bare repository; refuses names that exist already or escape the root. */
export async function createRepository(
  host: RepoHost,
  name: string,
  options: CreateRepoOptions = {},
): Promise<Repo> {
  const normalized = normalizeRepoName(name);
  const defaultBranch = options.defaultBranch ?? 'main';
  assertRefName(defaultBranch, 'branch');
  const dir = repoDirectory(host.repoRoot, normalized);
  await mkdir(dirname(dir), { recursive: true });
  try {
    // Non-recursive mkdir claims the name atomically, even against a concurrent createRepo.
    await mkdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new Error(`repository ${JSON.stringify(normalized)} already exists`, { cause: error });
    }
    throw error;
  }
  try {
    await gitOutput(['init', '--quiet', '--bare', `--initial-branch=${defaultBranch}`, dir], {
      env: host.gitEnv,
      onSpawn: (child) => {
        host.children.track(child);
      },
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return new BareRepo(host, normalized, dir, defaultBranch);
}

/**
 * Operates on the bare repository directly with plumbing (fast-import, update-ref, tag): no
 * working clone to keep in sync, and a commit costs two short-lived git processes (rev-parse of
 * the parent, fast-import).
 */
class BareRepo implements Repo {
  readonly httpsUrl: string;
  readonly sshUrl: string;
  readonly #host: RepoHost;

  constructor(
    host: RepoHost,
    readonly name: string,
    readonly path: string,
    readonly defaultBranch: string,
  ) {
    this.#host = host;
    this.httpsUrl = host.httpsUrl(name);
    this.sshUrl = host.sshUrl(name);
  }

  async commit(files: Record<string, string | Buffer | null>, options: CommitOptions = {}): Promise<string> {
    const branch = options.branch ?? this.defaultBranch;
    assertRefName(branch, 'branch');
    const ref = `refs/heads/${branch}`;
    const author = options.author ?? SERVER_IDENTITY;
    const stream = commitStream({
      ref,
      parent: await this.#resolveCommit(ref),
      files,
      message: options.message ?? 'Update files',
      author,
      committer: author,
      date: options.date ?? new Date(),
    });
    return (await this.#git(['fast-import', '--quiet'], stream)).toString('utf8').trim();
  }

  async tag(name: string, options: TagOptions = {}): Promise<string> {
    assertRefName(name, 'tag');
    const sha = await this.#commitOf(options.ref ?? this.defaultBranch);
    const annotate = options.message === undefined ? [] : ['-a', '-m', options.message];
    await this.#git(['tag', ...annotate, name, sha]);
    return sha;
  }

  async deleteTag(name: string): Promise<void> {
    assertRefName(name, 'tag');
    await this.#git(['tag', '--delete', name]);
  }

  async createBranch(name: string, from: string): Promise<string> {
    assertRefName(name, 'branch');
    const sha = await this.#commitOf(from);
    await this.#git(['branch', name, sha]);
    return sha;
  }

  async deleteBranch(name: string): Promise<void> {
    assertRefName(name, 'branch');
    await this.#git(['branch', '--delete', '--force', name]);
  }

  async resetBranch(branch: string, sha: string): Promise<void> {
    assertRefName(branch, 'branch');
    const commit = await this.#commitOf(sha);
    await this.#git(['update-ref', '-m', 'reset', `refs/heads/${branch}`, commit]);
  }

  async head(branch: string = this.defaultBranch): Promise<string> {
    assertRefName(branch, 'branch');
    const sha = await this.#resolveCommit(`refs/heads/${branch}`);
    if (sha === undefined) {
      throw new Error(`branch ${JSON.stringify(branch)} does not exist in ${this.name}`);
    }
    return sha;
  }

  async show(ref: string, path: string): Promise<string> {
    assertRevision(ref);
    return (await this.#git(['cat-file', 'blob', `${ref}:${path}`])).toString('utf8');
  }

  /** Runs git against this repository with the server's isolated environment and identity. */
  #git(args: readonly string[], input?: Buffer): Promise<Buffer> {
    return gitOutput([...this.#baseArgs(), ...args], this.#runOptions(input));
  }

  #runOptions(input?: Buffer): GitRunOptions {
    return {
      env: this.#host.gitEnv,
      input,
      onSpawn: (child) => {
        this.#host.children.track(child);
      },
    };
  }

  #baseArgs(): string[] {
    return [
      `--git-dir=${this.path}`,
      '-c',
      `user.name=${SERVER_IDENTITY.name}`,
      '-c',
      `user.email=${SERVER_IDENTITY.email}`,
      '-c',
      'commit.gpgsign=false',
      '-c',
      'tag.gpgsign=false',
    ];
  }

  async #commitOf(revision: string): Promise<string> {
    assertRevision(revision);
    const sha = await this.#resolveCommit(revision);
    if (sha === undefined) {
      throw new Error(`${JSON.stringify(revision)} does not name a commit in ${this.name}`);
    }
    return sha;
  }

  /** Commit sha `revision` peels to, or undefined if it does not exist. */
  async #resolveCommit(revision: string): Promise<string | undefined> {
    const result = await execGit(
      [...this.#baseArgs(), 'rev-parse', '--verify', '--quiet', `${revision}^{commit}`],
      this.#runOptions(),
    );
    return result.code === 0 ? result.stdout.toString('utf8').trim() : undefined;
  }
}

/**
 * Cheap guard before names reach git's argv or the fast-import stream: no option look-alikes and
 * no whitespace (a newline would inject fast-import commands). git validates the rest itself.
 */
function assertRefName(name: string, kind: 'branch' | 'tag'): void {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (name === '' || name.startsWith('-') || /[\s\u0000-\u001f\u007f]/.test(name)) {
    throw new Error(`invalid ${kind} name ${JSON.stringify(name)}`);
  }
}

function assertRevision(revision: string): void {
  if (revision === '' || revision.startsWith('-') || /\s/.test(revision)) {
    throw new Error(`invalid revision ${JSON.stringify(revision)}`);
  }
}
