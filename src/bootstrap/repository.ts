// The repository side of bootstrap: clone the branch (or start it), write the
// manifests, and commit and push only when they changed, through the git CLI in an
// isolated environment (src/git's sessions: credentials in env and 0600 files only).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseLsRemote } from '../git/remote.js';
import { GitError } from '../git/errors.js';
import type { GitSession } from '../git/session.js';

/** Runs one git operation's commands against the remote (a src/git session). */
export type SessionRunner = <T>(fn: (session: GitSession) => Promise<T>) => Promise<T>;

export interface CommitAuthor {
  readonly name: string;
  /** Flux's default is empty, which git accepts as `<>`. */
  readonly email: string;
}

export interface SyncRepositoryOptions {
  readonly branch: string;
  /** Path in the repository → content. */
  readonly files: ReadonlyMap<string, string>;
  readonly author: CommitAuthor;
  readonly message: string;
  /** Progress lines (cloning, committing, pushing). */
  readonly onEvent?: (event: RepositoryEvent) => void;
}

export type RepositoryEvent =
  | { readonly kind: 'cloned'; readonly branch: string; readonly created: 'empty' | 'from-head' | false }
  | { readonly kind: 'committed'; readonly sha: string }
  | { readonly kind: 'pushing' };

export interface SyncRepositoryResult {
  /** A commit was made and pushed. */
  readonly changed: boolean;
  /** The branch tip after the push. */
  readonly sha: string;
  /** Flux's revision string, `main@sha1:<hex>`. */
  readonly revision: string;
}

/** The branch moved on the server between our fetch and our push. */
export class NonFastForwardError extends Error {
  override readonly name = 'NonFastForwardError';
}

export async function syncRepository(
  withSession: SessionRunner,
  opts: SyncRepositoryOptions,
): Promise<SyncRepositoryResult> {
  const work = await mkdtemp(join(tmpdir(), 'tide-bootstrap-'));
  try {
    return await withSession(async (session) => {
      const git = (args: readonly string[]): Promise<Buffer> => session.git(args, { cwd: work });
      await git(['init', '-q', '-b', opts.branch, '.']);
      await git(['remote', 'add', 'origin', session.url]);
      const remote = parseLsRemote(session.url, (await git(['ls-remote', '--symref', 'origin'])).toString());
      const branchRef = `refs/heads/${opts.branch}`;
      const base = remote.refs.has(branchRef)
        ? branchRef
        : remote.headTarget !== undefined && remote.refs.has(remote.headTarget)
          ? remote.headTarget
          : undefined;
      if (base !== undefined) {
        await git(['fetch', '-q', '--no-tags', 'origin', `+${base}:refs/remotes/origin/base`]);
        await git(['checkout', '-q', '-B', opts.branch, 'refs/remotes/origin/base']);
      }
      opts.onEvent?.({
        kind: 'cloned',
        branch: opts.branch,
        created: base === branchRef ? false : base === undefined ? 'empty' : 'from-head',
      });
      for (const [path, content] of opts.files) {
        await mkdir(dirname(join(work, path)), { recursive: true });
        await writeFile(join(work, path), content);
      }
      const paths = [...opts.files.keys()];
      await git(['add', '--', ...paths]);
      const status = (await git(['status', '--porcelain', '--', ...paths])).toString().trim();
      // A new branch must be pushed even when the files match the branch it starts from.
      if (status === '' && base === branchRef) {
        const sha = (await git(['rev-parse', 'HEAD'])).toString().trim();
        return { changed: false, sha, revision: `${opts.branch}@sha1:${sha}` };
      }
      if (status !== '') {
        await git([
          '-c',
          `user.name=${opts.author.name}`,
          '-c',
          `user.email=${opts.author.email}`,
          '-c',
          'commit.gpgSign=false',
          'commit',
          '-q',
          '-m',
          opts.message,
        ]);
      }
      const sha = (await git(['rev-parse', 'HEAD'])).toString().trim();
      if (status !== '') opts.onEvent?.({ kind: 'committed', sha });
      opts.onEvent?.({ kind: 'pushing' });
      await push(session, work, opts.branch);
      return { changed: true, sha, revision: `${opts.branch}@sha1:${sha}` };
    });
  } finally {
    await rm(work, { recursive: true, force: true, maxRetries: 3 });
  }
}

async function push(session: GitSession, cwd: string, branch: string): Promise<void> {
  try {
    await session.git(
      ['-c', 'advice.pushUpdateRejected=false', 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`],
      { cwd },
    );
  } catch (err) {
    if (
      err instanceof GitError &&
      /non-fast-forward|fetch first|rejected|stale info|integrate the remote changes/i.test(err.message)
    ) {
      throw new NonFastForwardError(
        `the branch ${branch} changed on the server while bootstrapping (non-fast-forward push)`,
        { cause: err },
      );
    }
    throw err;
  }
}
